/**
 * The messages between the engine and its table worker (table-worker.ts,
 * table-worker-main.ts), and how an error crosses the thread boundary.
 *
 * Invariants:
 *   1. Every job the engine starts ends with exactly one `done` or `failed`
 *      message carrying its id (or the worker's exit, which fails them all).
 *   2. An `LsmError` arrives as an `LsmError` with the same code and message;
 *      anything else (a bug) arrives as a plain `Error` with its message.
 */
import type { CompactionPlan, CompactionResult } from '../compaction/types.js';
import { isLsmError, LsmError, type LsmErrorCode } from '../errors.js';
import type { TableBuildOptions, TableMeta } from '../sstable/types.js';

/** Builds one table from the entries that follow in `entries` messages. */
export interface FlushStart {
  t: 'flush';
  job: number;
  dir: string;
  path: string;
  fileNumber: number;
  options: TableBuildOptions;
}

/**
 * Builds one table from a memtable's own log segment (segment-entries.ts):
 * nothing is copied on the engine's thread. Answered `done` with `meta`, or
 * with `mismatch` (the segment cannot stand for the memtable: the engine
 * then sends the entries), or `failed`.
 */
export interface FlushFromLog {
  t: 'flush-log';
  job: number;
  dir: string;
  logPath: string;
  path: string;
  fileNumber: number;
  options: TableBuildOptions;
  entries: number;
  largestSeq: number;
}

/** A chunk of a flush's entries (entry-chunks.ts); the worker answers each with `ack`. */
export interface FlushEntries {
  t: 'entries';
  job: number;
  bytes: ArrayBuffer;
}

/** No more entries: finish the table. */
export interface FlushEnd {
  t: 'end';
  job: number;
}

/** The engine gave up on a flush: remove its file, answer nothing. */
export interface FlushAbort {
  t: 'abort';
  job: number;
}

/** Runs one compaction plan over the tables of `dir`. */
export interface CompactStart {
  t: 'compact';
  job: number;
  dir: string;
  plan: CompactionPlan;
  /** The version's levels (metadata only), for `isBaseLevelForKey`. */
  levels: TableMeta[][];
  options: TableBuildOptions;
  targetFileSizeBytes: number;
  smallestSnapshotSeq: number;
  tombstoneDropMaxSeq: number;
}

/** The engine's answer to a `need-file-number` request. */
export interface FileNumberReply {
  t: 'file-number';
  job: number;
  fileNumber: number;
}

export type ToWorker = FlushFromLog | FlushStart | FlushEntries | FlushEnd | FlushAbort | CompactStart | FileNumberReply;

/** What crosses the thread boundary for an error (invariant 2). */
export interface WireError {
  code: LsmErrorCode | undefined;
  message: string;
}

export type FromWorker =
  | { t: 'ack'; job: number }
  | { t: 'need-file-number'; job: number }
  | { t: 'done'; job: number; meta?: TableMeta; result?: CompactionResult; mismatch?: string }
  | { t: 'failed'; job: number; error: WireError };

const PREFIX = 'lsm-engine: ';

/** The error as it crosses to the engine (invariant 2). */
export function toWire(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error);
  if (isLsmError(error)) return { code: error.code, message: message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message };
  return { code: undefined, message };
}

/** The error the engine raises for a worker's `failed` message (invariant 2). */
export function fromWire(e: WireError): Error {
  return e.code === undefined ? new Error(e.message) : new LsmError(e.code, e.message);
}
