/**
 * How values, siblings and contexts look on a terminal and in `--json`.
 * Strings print as they are, bytes as hex, everything else as JSON, so the
 * output of `get` can be pasted back into `put --json`.
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
