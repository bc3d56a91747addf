/**
 * Internal entries: what memtables, the commit log and SSTables hold.
 *
 * An internal entry is (user key, sequence number, kind, value). Sequence
 * numbers are assigned by the engine, one per write (a batch takes a run of
 * consecutive numbers), strictly increasing, positive and below 2^53.
 *
 * Invariants:
 *   1. Internal order is user key ascending (unsigned bytewise), then sequence
 *      number descending: for a key, the newest version comes first.
 *   2. A `KIND_DELETE` entry (tombstone) has an empty value and hides every
 *      older version of its key until compaction drops both.
 *   3. A reader at snapshot `s` sees, for each key, the newest entry with
 *      `seq <= s`.
 */
export const KIND_DELETE = 0;
export const KIND_PUT = 1;
export type EntryKind = typeof KIND_DELETE | typeof KIND_PUT;

/** The largest sequence number; a snapshot at this value sees everything. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/** Unsigned lexicographic comparison of two byte strings: <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Internal order (invariant 1): key ascending, then sequence number descending. */
export function compareInternal(aKey: Uint8Array, aSeq: number, bKey: Uint8Array, bSeq: number): number {
  const c = compareBytes(aKey, bKey);
  if (c !== 0) return c;
  return bSeq - aSeq;
}

/** One version of a key, as a point lookup returns it. */
export interface InternalEntry {
  readonly key: Uint8Array;
  readonly seq: number;
  readonly kind: EntryKind;
  readonly value: Uint8Array;
}

/**
 * A cursor over internal entries in internal order (LevelDB's Iterator). Every
 * source (memtable, SSTable, merged view) implements it, so compaction and
 * reads compose them with a merging iterator.
 *
 * The arrays returned by `key()` and `value()` stay valid until the next call
 * that moves the cursor; a caller that keeps one longer copies it.
 */
export interface InternalIterator {
  /** Positions at the first entry whose user key is >= `target` (its newest version). */
  seek(target: Uint8Array): void;
  seekToFirst(): void;
  valid(): boolean;
  next(): void;
  key(): Uint8Array;
  seq(): number;
  kind(): EntryKind;
  value(): Uint8Array;
  /** Releases what the cursor pins (cached blocks, file handles). */
  close(): void;
}
