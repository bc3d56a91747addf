/**
 * How values, siblings, contexts, counts, sizes, tables and stream progress
 * look on a terminal and in `--json`. Strings print as they are, bytes as
 * hex, everything else as JSON, so the output of `get` can be pasted back
 * into `put --json`.
 */

import type { GetResult } from '@ringkv/client-sdk';

/** Base64 of a context (what `put --context` takes). */
export function contextText(context: Uint8Array): string {
  return Buffer.from(context).toString('base64');
}

/** The bytes of a base64 context. */
export function contextBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** A value for humans: strings raw, bytes as 0x-hex, the rest as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  return JSON.stringify(jsonSafe(value));
}

/** A value as JSON-compatible data: bytes become `{ "$bytes": hex }`, bigints strings, dates ISO strings, Maps objects. */
export function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('hex') };
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonSafe(v)]));
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/**
 * The readable form of a get: the value alone when there is one, every
 * sibling with its index and the context when there are several,
 * `(not found)` when there is none.
 */
export function getText(read: GetResult<unknown>): string {
  if (!read.found) return '(not found)';
  if (read.values.length === 1) return valueText(read.values[0]);
  const lines = [`(${read.values.length} siblings: concurrent versions; resolve with ringkv put KEY VALUE --context C)`];
  read.values.forEach((v, i) => lines.push(`[${i}] ${valueText(v)}`));
  lines.push(`context: ${contextText(read.context)}`);
  return lines.join('\n');
}

/** The `--json` form of a get. */
export function getJson(key: string, read: GetResult<unknown>): string {
  const siblings = read.siblings.map((s) => (s.tombstone ? { tombstone: true } : { value: jsonSafe(s.value) }));
  return JSON.stringify({ key, found: read.found, siblings, context: contextText(read.context) });
}

/** An integer with thousands separators: `12,345`. */
export function countText(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A byte count in decimal units, one decimal: `950 B`, `3.2 MB`, `1.4 GB`. */
export function bytesText(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = n / 1000;
  let i = 0;
  while (x >= 999.95 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toFixed(1)} ${units[i]}`;
}

/** A fraction as a percentage with one decimal: `0.2514` → `25.1%`. */
export function percentText(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** `done`/`total` as a bar of `cells` cells: `[#####---------------]`. */
export function barText(done: number, total: number, cells = 20): string {
  const filled = total <= 0 ? cells : Math.max(0, Math.min(cells, Math.round((cells * done) / total)));
  return `[${'#'.repeat(filled)}${'-'.repeat(cells - filled)}]`;
}

/** A topology stream as /status reports it (`cluster.topology.stream`). */
export interface StreamProgress {
  readonly direction: 'in' | 'out';
  readonly rangesTotal: number;
  readonly rangesDone: number;
  readonly keys: number;
  readonly bytes: number;
  readonly bytesPerSec: number;
  readonly startedAtMs: number;
  /** The nodes streamed from (in) or to (out). */
  readonly peers: readonly string[];
}

/** A stream's progress on one line (shared with `ringkv status`). */
export function streamText(s: StreamProgress): string {
  const arrow = s.direction === 'out' ? '→' : '←';
  const peers = s.peers.length === 0 ? '' : `  ${arrow} ${[...s.peers].sort().join(', ')}`;
  return `${barText(s.rangesDone, s.rangesTotal)} ${countText(s.rangesDone)}/${countText(s.rangesTotal)} ranges  ${countText(s.keys)} keys  ${bytesText(s.bytes)}  ${bytesText(s.bytesPerSec)}/s${peers}`;
}

/** Rows padded into columns; `right[i]` aligns column i to the right (numbers). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
