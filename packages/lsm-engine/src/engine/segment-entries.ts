/**
 * A frozen memtable's entries read back from its own commit-log segment, in
 * internal order: how the table worker flushes without the engine's thread
 * copying the memtable (table-worker-main.ts).
 *
 * Invariants:
 *   1. The entries are exactly those of the segment's records, sorted by key
 *      ascending then sequence number descending (the memtable's order).
 *   2. Anything unexpected (a damaged segment, a count or largest sequence
 *      number that differ from the memtable's) is reported as a reason, never
 *      thrown: the engine then flushes from the memtable itself.
 */
import type { EntryKind } from '../format/internal.js';
import { keyString } from '../memtable/memtable.js';
import type { Vfs } from '../vfs/vfs.js';
import { decodeBatch } from '../wal/batch.js';
import { readLog } from '../wal/log-reader.js';

/** What the memtable holds, to check the segment against (invariant 2). */
export interface SegmentExpectation {
  entries: number;
  largestSeq: number;
}

/** Sorted entries as parallel arrays, or why the segment cannot stand for the memtable. */
export type SegmentEntries =
  | { ok: true; order: Uint32Array; keys: Uint8Array[]; seqs: Float64Array; kinds: Uint8Array; values: Uint8Array[] }
  | { ok: false; reason: string };

/**
 * Reads segment `path` and sorts its entries (invariant 1).
 *
 * When to use: the table worker, for a memtable that holds exactly one
 * segment's records (the engine says which).
 * Details: keys and values are views into the segment's bytes.
 */
export function segmentEntries(vfs: Vfs, path: string, expect: SegmentExpectation): SegmentEntries {
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  // Per user key, its newest entry so far; `older[i]` chains to the key's previous one.
  const newest = new Map<string, number>();
  const older = new Int32Array(expect.entries);
  const seqs = new Float64Array(expect.entries);
  const kinds = new Uint8Array(expect.entries);
  let n = 0;
  let largest = 0;
  try {
    const data = vfs.readFile(path);
    readLog(data, path, { syncedBytes: data.length, salvage: false }, (payload) => {
      decodeBatch(payload, path, (seq, kind, key, value) => {
        if (n >= expect.entries) throw new Error(`more than the memtable's ${expect.entries} entries`);
        keys.push(key);
        const skey = keyString(key);
        older[n] = newest.get(skey) ?? -1;
        newest.set(skey, n);
        values.push(value);
        seqs[n] = seq;
        kinds[n] = kind;
        if (seq > largest) largest = seq;
        n++;
      });
    });
  } catch (error) {
    return { ok: false, reason: `${path}: ${(error as Error).message}` };
  }
  if (n !== expect.entries || largest !== expect.largestSeq) {
    return { ok: false, reason: `${path}: ${n} entries up to seq ${largest}, the memtable has ${expect.entries} up to ${expect.largestSeq}` };
  }
  // A segment is in sequence order, so each key's chain runs newest first: only the
  // distinct keys need sorting, and the default sort compares latin1 strings bytewise.
  const order = new Uint32Array(n);
  let o = 0;
  for (const skey of [...newest.keys()].sort()) {
    for (let j = newest.get(skey) as number; j !== -1; j = older[j] as number) order[o++] = j;
  }
  return { ok: true, order, keys, seqs, kinds, values };
}

/** Calls `fn` with every entry of `s` in internal order. */
export function forEachSorted(s: SegmentEntries & { ok: true }, fn: (key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array) => void): void {
  for (let i = 0; i < s.order.length; i++) {
    const j = s.order[i] as number;
    fn(s.keys[j] as Uint8Array, s.seqs[j] as number, s.kinds[j] as EntryKind, s.values[j] as Uint8Array);
  }
}
