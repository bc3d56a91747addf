/**
 * Ring ranges as engine key ranges, and chunked scans of them.
 *
 * A range is hashring's half-open, possibly wrapping (start, end] of ring
 * positions (start = end: the whole ring). Data keys are `d ‖ position (8
 * bytes BE) ‖ user key`, so a range is one engine range, or two when it
 * wraps through 0: (start, max] then [0, end].
 *
 * Invariants:
 *   1. `segments` covers exactly the storage keys whose position lies in the
 *      range, in ascending key order (wrap: the high segment first).
 *   2. A scan resumed with `after` = the last key of a chunk continues with
 *      the next key of the range, never repeating or skipping one, also
 *      across the wrap.
 *   3. A chunk stops at the first entry that takes it to `bytesMax` or past
 *      it (so it holds at least one entry when the range has one).
 */
import { positionFromBytes, positionMax, positionToBytes, type RingPosition, type RingRange } from '@ringkv/hashring';
import type { ScanBounds, StorageEngine } from '../store/engine-port.js';
import { dataPrefix } from '../store/keys.js';

/** One engine range: `gte` ≤ key < `lt`. */
export interface Segment {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

/** A chunk of a range scan: raw storage keys and stored sets, the bytes they take, and where to resume. */
export interface RangeChunk {
  readonly entries: { readonly skey: Uint8Array; readonly value: Uint8Array }[];
  readonly bytes: number;
  /** The last storage key of the chunk when the scan stopped early (pass it as `after`). */
  readonly more: Uint8Array | undefined;
}

const afterData = Uint8Array.of(dataPrefix + 1);

/** The storage key where position `p`'s keys begin. */
function keyAt(p: RingPosition): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = dataPrefix;
  positionToBytes(p, out, 1);
  return out;
}

/** Keys with position > p begin here (the end of the data prefix when p is the last position). */
function keyAbove(p: RingPosition): Uint8Array {
  return p === positionMax ? afterData : keyAt(p + 1n);
}

/** The engine ranges of a ring range (invariant 1). */
export function segments(range: RingRange): Segment[] {
  const { start, end } = range;
  const low = keyAt(0n);
  if (start === end) return [{ gte: low, lt: afterData }];
  if (start < end) return [{ gte: keyAbove(start), lt: keyAbove(end) }];
  const out: Segment[] = [];
  if (start !== positionMax) out.push({ gte: keyAbove(start), lt: afterData });
  out.push({ gte: low, lt: keyAbove(end) });
  return out;
}

/** Byte order of two keys. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** The scan bounds of the segments still to read after storage key `after` (invariant 2). */
export function boundsAfter(range: RingRange, after: Uint8Array | undefined): ScanBounds[] {
  const all = segments(range);
  if (after === undefined) return all.map((s) => ({ gte: s.gte, lt: s.lt }));
  const out: ScanBounds[] = [];
  let found = false;
  for (const s of all) {
    if (found) out.push({ gte: s.gte, lt: s.lt });
    else if (compareKeys(after, s.gte) >= 0 && compareKeys(after, s.lt) < 0) {
      found = true;
      out.push({ gt: after, lt: s.lt });
    }
  }
  // A cursor outside the range (the ring moved under a resumed stream): start over; sync makes repeats harmless.
  return found ? out : all.map((s) => ({ gte: s.gte, lt: s.lt }));
}

/** One chunk of the range's data after `after` (invariant 3). */
export function scanChunk(engine: Pick<StorageEngine, 'iterate'>, range: RingRange, after: Uint8Array | undefined, bytesMax: number): RangeChunk {
  const entries: { skey: Uint8Array; value: Uint8Array }[] = [];
  let bytes = 0;
  for (const bounds of boundsAfter(range, after)) {
    for (const [skey, value] of engine.iterate(bounds)) {
      entries.push({ skey, value });
      bytes += skey.length - 9 + value.length;
      if (bytes >= bytesMax) return { entries, bytes, more: skey };
    }
  }
  return { entries, bytes, more: undefined };
}

/** Keys and bytes (user key + stored set) of the data in a range: the figures a plan reports and a stream moves. */
export function countRange(engine: Pick<StorageEngine, 'iterate'>, range: RingRange): { keys: number; bytes: number } {
  let keys = 0;
  let bytes = 0;
  for (const s of segments(range)) {
    for (const [skey, value] of engine.iterate({ gte: s.gte, lt: s.lt })) {
      keys++;
      bytes += skey.length - 9 + value.length;
    }
  }
  return { keys, bytes };
}

/** True when the range holds at least one data key. */
export function rangeHasData(engine: Pick<StorageEngine, 'iterate'>, range: RingRange): boolean {
  for (const s of segments(range)) for (const _ of engine.iterate({ gte: s.gte, lt: s.lt, limit: 1 })) return true;
  return false;
}

/** A position as the 8 bytes of the wire. */
export function positionBytesOf(p: RingPosition): Uint8Array {
  return positionToBytes(p);
}

/** The position in 8 wire bytes. */
export function positionOf(bytes: Uint8Array): RingPosition {
  return positionFromBytes(bytes);
}

/** A stable name of a range (its progress record's key). */
export function rangeName(range: RingRange): string {
  return `${range.start.toString(16).padStart(16, '0')}-${range.end.toString(16).padStart(16, '0')}`;
}
