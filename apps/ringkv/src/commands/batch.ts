/**
 * `ringkv mget|mput|mdel`: many keys in one call of the SDK's
 * `getMany`/`putMany` (issue 18), one output line per key.
 *
 * Invariants:
 *   1. Every key gets exactly one line, in input order: its outcome, or its
 *      error (`code`, and whether the write may have happened). One key's
 *      failure never stops the others.
 *   2. The exit code is 1 when any key failed (after every line is printed),
 *      2 for a usage error, including more than `manyOpsMax` keys, which is
 *      refused before connecting: nothing is read or written.
 *   3. A write reads its key first (one `getMany`) and supersedes what that
 *      read saw, as `put` and `del` do, unless `--blind` or the entry has
 *      its own context; a key whose read failed is not written (its line
 *      says why).
 */
import type { GetResult, ManyOutcome, ManyWrite, RingkvClient, WriteResult } from '@ringkv/client-sdk';
import { CliError } from '../errors.js';
import { contextBytes, contextText, getJson, valueText } from '../format.js';
import type { Io } from '../io.js';
import { batchInputBytesMax } from '../limits.js';
import { checkCount, pairOf, type BatchCommand } from './batch-args.js';
import { connectCli, nodeUrl } from './kv.js';
import { readInput } from './batch-input.js';

/** One entry of mput (a put or a delete) or mdel, before its context is known. */
interface Entry {
  readonly key: string;
  readonly value?: unknown;
  readonly delete?: true;
  readonly context?: Uint8Array;
}

/** Runs the batch and prints a line per key; throws `CliError('failed')` after printing when any key failed (invariant 2). */
export async function runBatch(command: BatchCommand, io: Io): Promise<void> {
  const items = await itemsOf(command, io);
  checkCount(command.kind, items.length);
  if (items.length === 0) throw new CliError('usage', `${command.kind}: the input holds no keys`);
  const entries = command.kind === 'mget' ? undefined : items.map((item, i) => entryOf(command, item, i));
  const client = await connectCli(nodeUrl(command.url, io.env), command.authToken ?? (io.env.RINGKV_AUTH_TOKEN || undefined), command.timeoutMs);
  let failed = 0;
  try {
    const readOpts = command.r === undefined ? {} : { r: command.r };
    if (entries === undefined) {
      for (const o of await client.getMany(items, readOpts)) failed += print(command, io, o, readLine) ? 0 : 1;
    } else {
      for (const o of await write(client, command, entries, readOpts)) failed += print(command, io, o, writeLine) ? 0 : 1;
    }
  } finally {
    await client.close();
  }
  if (failed > 0) throw new CliError('failed', `${command.kind}: ${failed} of ${items.length} key${items.length === 1 ? '' : 's'} failed`);
}

/** The keys or entries as text items: the arguments, or the lines of the file or standard input. */
async function itemsOf(command: BatchCommand, io: Io): Promise<readonly string[]> {
  if (command.source.from === 'args') return command.source.items;
  const text = await readInput(command.kind, command.source, io, batchInputBytesMax);
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

/** A write's entry: mdel's key, mput's `KEY=VALUE` argument or JSON line (usage error when malformed). */
function entryOf(command: BatchCommand, item: string, index: number): Entry {
  if (command.kind === 'mdel') return { key: item, delete: true };
  if (command.source.from === 'args') return pairOf(item);
  let parsed: unknown;
  try {
    parsed = JSON.parse(item);
  } catch {
    throw new CliError('usage', `mput: line ${index + 1} is not JSON: {"key":"k","value":…} or {"key":"k","delete":true}`);
  }
  const o = parsed as { key?: unknown; value?: unknown; delete?: unknown; context?: unknown };
  const where = `mput: line ${index + 1}`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('usage', `${where} must be a JSON object`);
  if (typeof o.key !== 'string' || o.key === '') throw new CliError('usage', `${where}: "key" must be a non-empty string`);
  if (o.delete !== undefined && o.delete !== true) throw new CliError('usage', `${where}: "delete" must be true when given`);
  if ((o.delete === true) === ('value' in o)) throw new CliError('usage', `${where}: give "value" (a put) or "delete": true, one of them`);
  if (o.context !== undefined && (typeof o.context !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.context))) {
    throw new CliError('usage', `${where}: "context" must be the base64 context printed by ringkv get --json`);
  }
  const context = o.context === undefined ? undefined : contextBytes(o.context);
  return o.delete === true ? { key: o.key, delete: true, ...(context === undefined ? {} : { context }) } : { key: o.key, value: o.value, ...(context === undefined ? {} : { context }) };
}

/** Invariant 3: reads the contexts the writes need, then writes; a failed read stands for its key's outcome. */
async function write(client: RingkvClient, command: BatchCommand, entries: readonly Entry[], readOpts: { r?: BatchCommand['r'] }): Promise<ManyOutcome<WriteResult>[]> {
  const needRead = command.blind ? [] : entries.map((e, i) => (e.context === undefined ? i : -1)).filter((i) => i >= 0);
  const reads = needRead.length === 0 ? [] : await client.getMany(needRead.map((i) => (entries[i] as Entry).key), readOpts);
  const readOf = new Map(needRead.map((index, j) => [index, reads[j] as ManyOutcome<GetResult<unknown>>]));
  const writes: ManyWrite[] = [];
  const slots: number[] = [];
  const out: ManyOutcome<WriteResult>[] = new Array(entries.length);
  entries.forEach((e, i) => {
    const read = readOf.get(i);
    if (read !== undefined && !read.ok) {
      out[i] = { ok: false, key: e.key, error: Object.assign(new Error(`not written: its read failed: ${read.error.message}`), { code: read.error.code, indeterminate: false, retryable: read.error.retryable }) };
      return;
    }
    const context = e.context ?? (read?.ok === true ? read.result.context : undefined);
    const c = context === undefined ? {} : { context };
    writes.push(e.delete === true ? { key: e.key, delete: true, ...c } : { key: e.key, value: e.value, ...c });
    slots.push(i);
  });
  const written = writes.length === 0 ? [] : await client.putMany(writes, command.w === undefined ? {} : { w: command.w });
  written.forEach((o, j) => (out[slots[j] as number] = o));
  return out;
}

/** Prints one key's line (invariant 1); true when it succeeded. */
function print<R>(command: BatchCommand, io: Io, o: ManyOutcome<R>, line: (key: string, result: R, json: boolean) => string): boolean {
  const key = String(o.key);
  if (o.ok) {
    io.stdout(line(key, o.result, command.json));
    return true;
  }
  const e = o.error;
  const message = e.message.replace(/^client-sdk: /, '');
  if (command.json) io.stdout(JSON.stringify({ key, ok: false, code: e.code, message, indeterminate: e.indeterminate }));
  else io.stdout(`${key}\tERROR ${e.code}${e.indeterminate ? ' (may have been written)' : ''}: ${message}`);
  return false;
}

function readLine(key: string, read: GetResult<unknown>, json: boolean): string {
  if (json) return JSON.stringify({ key, ok: true, ...(JSON.parse(getJson(key, read)) as object) });
  if (!read.found) return `${key}\t(not found)`;
  if (read.values.length === 1) return `${key}\t${oneLine(valueText(read.values[0]))}`;
  return `${key}\t(${read.values.length} siblings) ${read.values.map((v, i) => `[${i}] ${oneLine(valueText(v))}`).join(' ')}`;
}

function writeLine(key: string, result: WriteResult, json: boolean): string {
  return json ? JSON.stringify({ key, ok: true, context: contextText(result.context) }) : `${key}\tOK`;
}

/** A value on one line: its line breaks escaped, so every key keeps one line. */
function oneLine(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
