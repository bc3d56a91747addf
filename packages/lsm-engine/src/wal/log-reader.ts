/**
 * Reads the records of one commit log segment and tells a torn tail from
 * corruption.
 *
 * A crash can leave the newest segment ending in an incomplete or garbled
 * record (the last write was in flight). That is a torn tail: recovery drops
 * it and says how many bytes it dropped. Anything else that fails to parse is
 * corruption and is reported, never skipped.
 *
 * Invariants:
 *   1. A bad fragment is a torn tail only in the last segment and only if no
 *      valid fragment starts after it (checked at the position its length
 *      field points to and at every later block boundary). A bad record
 *      followed by a good one is corruption.
 *   2. `onRecord` sees complete records only, in file order; the payload is a
 *      view of the segment bytes, valid while the caller holds them.
 */
import { LsmError } from '../errors.js';
import { crc32c, unmaskCrc } from '../util/crc32c.js';
import { getU32 } from '../util/varint.js';
import {
  BLOCK_BYTES,
  FRAGMENT_FIRST,
  FRAGMENT_FULL,
  FRAGMENT_LAST,
  HEADER_BYTES,
} from './format.js';

/** What reading a segment found. */
export interface LogReadResult {
  records: number;
  /** Bytes dropped as a torn tail (0 if the segment ended cleanly). */
  droppedBytes: number;
}

type Fragment = { type: number; start: number; end: number; next: number } | { bad: string };

/** Parses the fragment at `pos`, or says why it is bad. */
function fragmentAt(data: Uint8Array, pos: number): Fragment {
  const left = BLOCK_BYTES - (pos % BLOCK_BYTES);
  if (pos + HEADER_BYTES > data.length) return { bad: 'truncated header' };
  const length = (data[pos + 4] as number) | ((data[pos + 5] as number) << 8);
  const type = data[pos + 6] as number;
  if (HEADER_BYTES + length > left) return { bad: `fragment length ${length} crosses a block boundary` };
  const start = pos + HEADER_BYTES;
  if (start + length > data.length) return { bad: 'truncated fragment' };
  const expected = unmaskCrc(getU32(data, pos));
  const actual = crc32c(data, crc32c(data, 0, pos + 6, pos + 7), start, start + length);
  if (expected !== actual) return { bad: 'checksum mismatch' };
  if (type < FRAGMENT_FULL || type > FRAGMENT_LAST) return { bad: `fragment type ${type}` };
  return { type, start, end: start + length, next: start + length };
}

/** True if a valid fragment starts anywhere after a bad one at `badPos` (invariant 1). */
function validFragmentAfter(data: Uint8Array, badPos: number): boolean {
  const candidates: number[] = [];
  if (badPos + HEADER_BYTES <= data.length) {
    const length = (data[badPos + 4] as number) | ((data[badPos + 5] as number) << 8);
    candidates.push(badPos + HEADER_BYTES + length);
  }
  for (let b = (Math.floor(badPos / BLOCK_BYTES) + 1) * BLOCK_BYTES; b < data.length; b += BLOCK_BYTES) {
    candidates.push(b);
  }
  return candidates.some(
    (p) => p > badPos && p < data.length && BLOCK_BYTES - (p % BLOCK_BYTES) >= HEADER_BYTES && !('bad' in fragmentAt(data, p)),
  );
}

/**
 * Calls `onRecord` with every complete record of a segment. `isLast` says
 * whether a torn tail is acceptable (invariant 1). Throws `corruption` with
 * the file name and offset otherwise.
 */
export function readLog(
  data: Uint8Array,
  name: string,
  isLast: boolean,
  onRecord: (payload: Uint8Array, offset: number) => void,
): LogReadResult {
  let pos = 0;
  let records = 0;
  let parts: Uint8Array[] | undefined;
  let recordStart = 0;
  const fail = (at: number, why: string): LogReadResult => {
    const start = parts ? recordStart : at;
    if (isLast && !validFragmentAfter(data, at)) return { records, droppedBytes: data.length - start };
    throw new LsmError('corruption', `${name}: ${why} at offset ${at}`);
  };
  while (pos < data.length) {
    const left = BLOCK_BYTES - (pos % BLOCK_BYTES);
    if (left < HEADER_BYTES) {
      pos += left;
      continue;
    }
    const f = fragmentAt(data, pos);
    if ('bad' in f) return fail(pos, f.bad);
    const inRecord = parts !== undefined;
    if ((f.type === FRAGMENT_FULL || f.type === FRAGMENT_FIRST) === inRecord) {
      return fail(pos, `fragment type ${f.type} out of sequence`);
    }
    const piece = data.subarray(f.start, f.end);
    if (f.type === FRAGMENT_FULL) {
      onRecord(piece, pos);
      records++;
    } else if (f.type === FRAGMENT_FIRST) {
      parts = [piece];
      recordStart = pos;
    } else {
      (parts as Uint8Array[]).push(piece);
      if (f.type === FRAGMENT_LAST) {
        onRecord(concat(parts as Uint8Array[]), recordStart);
        records++;
        parts = undefined;
      }
    }
    pos = f.next;
  }
  if (parts) {
    if (isLast) return { records, droppedBytes: data.length - recordStart };
    throw new LsmError('corruption', `${name}: record at offset ${recordStart} is incomplete`);
  }
  return { records, droppedBytes: 0 };
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
