/**
 * The command lines of `ringkv mget`, `ringkv mput` and `ringkv mdel`
 * (issue 18 "Batches"; what they run is batch.ts): many keys in one call of
 * the SDK's `getMany`/`putMany`, from the arguments, a file or standard input.
 *
 * The flags of get/put/del (`--url`, `--r`, `--w`, `--timeout-ms`,
 * `--auth-token`, `--json`) and their checks come from args.ts through
 * `KvFlagParsers`, so a change there reaches these commands too (args.ts
 * imports this file; it cannot import args.ts back).
 */
import type { ParseArgsConfig } from 'node:util';
import { manyOpsMax } from '@ringkv/client-sdk';
import type { Consistency } from '../args.js';
import { CliError } from '../errors.js';
import { parseFlags } from '../parse-flags.js';

export type BatchKind = 'mget' | 'mput' | 'mdel';

/** Where a batch's keys (mget, mdel) or entries (mput) come from. */
export type BatchSource =
  | { readonly from: 'args'; readonly items: readonly string[] }
  | { readonly from: 'stdin' }
  | { readonly from: 'file'; readonly path: string };

export interface BatchCommand {
  readonly kind: BatchKind;
  readonly source: BatchSource;
  readonly url: string | undefined;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly authToken: string | undefined;
  /** `--r`: the reads (mget's, and a write's read of its key first). */
  readonly r: Consistency | undefined;
  /** `--w` of mput and mdel. */
  readonly w: Consistency | undefined;
  /** `--blind` of mput and mdel: write without reading each key's context first. */
  readonly blind: boolean;
}

/** The get/put flags and their checks, from args.ts (module comment). */
export interface KvFlagParsers {
  readonly options: NonNullable<ParseArgsConfig['options']>;
  common(command: string, values: Record<string, unknown>): Pick<BatchCommand, 'url' | 'json' | 'timeoutMs' | 'authToken' | 'r'>;
  consistency(command: string, flag: 'w', text: string): Consistency;
}

const batchFlags = {
  file: { type: 'string' },
  w: { type: 'string' },
  blind: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const sourceHelp = `  --file PATH        read them from PATH instead of the arguments; - as the only argument: standard input`;
const commonHelp = `  --url URL          the node (default $RINGKV_URL or ws://127.0.0.1:7000)
  --auth-token T     the node's client token (default $RINGKV_AUTH_TOKEN)
  --timeout-ms MS    per-key deadline (default 5000)
  --json             one JSON object per key, one per line`;
const exitHelp = `Prints one line per key, in input order: its outcome or its error. Exits 1 when any key failed
(the others are still done), 2 for a usage error, such as more than ${manyOpsMax} keys (manyOpsMax: split them).`;

export const batchUsages: Readonly<Record<BatchKind, string>> = {
  mget: `ringkv mget KEY... [options]
Reads many keys in one call (one batch frame per node). A missing key prints (not found): that is
not a failure. Keys from a file or standard input are one per line.
${sourceHelp}
  --r R              replies each read waits for: a count, one, quorum or all (default: the cluster's R)
${commonHelp}
${exitHelp}`,
  mput: `ringkv mput KEY=VALUE... [options]
Writes many keys in one call. Each VALUE is stored as a string. From a file or standard input,
each line is a JSON object: {"key":"k","value":<any JSON>} (stored as that value), or
{"key":"k","delete":true}; either may carry "context" (base64, from ringkv get --json).
Like put, each key is read first and the write supersedes what the read saw (unless --blind).
${sourceHelp}
  --w W              acknowledgements each write waits for (default: the cluster's W)
  --r R              replies each read of a key first waits for
  --blind            do not read first: each write becomes a sibling of what is there
${commonHelp}
${exitHelp}`,
  mdel: `ringkv mdel KEY... [options]
Deletes many keys in one call. Like del, each key is read first and its tombstone supersedes what
the read saw (unless --blind). Keys from a file or standard input are one per line.
${sourceHelp}
  --w W              acknowledgements each delete waits for (default: the cluster's W)
  --r R              replies each read of a key first waits for
  --blind            do not read first
${commonHelp}
${exitHelp}`,
};

/** Parses `ringkv mget|mput|mdel …`; throws `CliError('usage')`. */
export function parseBatch(kind: BatchKind, args: readonly string[], kv: KvFlagParsers): BatchCommand | { kind: 'help'; text: string } {
  const options = kind === 'mget' ? { ...kv.options, file: batchFlags.file } : { ...kv.options, ...batchFlags };
  const { values, positionals } = parseFlags(kind, args, options);
  const v = values as Record<string, unknown>;
  if (v['help'] === true) return { kind: 'help', text: batchUsages[kind] };
  if (v['blind'] === true && v['r'] !== undefined) throw new CliError('usage', `${kind}: --r sets the read of each key before the write; with --blind there is none`);
  const w = typeof v['w'] === 'string' ? kv.consistency(kind, 'w', v['w']) : undefined;
  return { kind, source: sourceOf(kind, positionals, v['file']), ...kv.common(kind, v), w, blind: v['blind'] === true };
}

function sourceOf(kind: BatchKind, positionals: readonly string[], file: unknown): BatchSource {
  const what = kind === 'mput' ? 'KEY=VALUE pairs' : 'keys';
  if (typeof file === 'string') {
    if (positionals.length > 0) throw new CliError('usage', `${kind}: give the ${what} as arguments or --file, not both`);
    if (file === '') throw new CliError('usage', `${kind}: --file needs a path`);
    return { from: 'file', path: file };
  }
  if (positionals.length === 1 && positionals[0] === '-') return { from: 'stdin' };
  if (positionals.length === 0) throw new CliError('usage', `${kind}: give at least one of the ${what} (or --file PATH, or - for standard input)`);
  checkCount(kind, positionals.length);
  if (kind === 'mput') for (const p of positionals) pairOf(p);
  return { from: 'args', items: positionals };
}

/** A usage error beyond `manyOpsMax` (the SDK's bound on one getMany/putMany). */
export function checkCount(kind: BatchKind, count: number): void {
  if (count > manyOpsMax) throw new CliError('usage', `${kind}: ${count} keys exceed manyOpsMax (${manyOpsMax}) of one batch; split them into several calls`);
}

/** `KEY=VALUE` split at the first `=`; the key must not be empty. */
export function pairOf(text: string): { readonly key: string; readonly value: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliError('usage', `mput: "${text.length > 60 ? `${text.slice(0, 60)}…` : text}" is not KEY=VALUE (a line of a file is JSON: {"key":…,"value":…})`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}
