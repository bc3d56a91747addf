/**
 * Reads the records of one commit log segment and tells a torn tail from
 * corruption.
 *
 * A crash can leave the newest segment ending in an incomplete or garbled
 * record (the last write was in flight, never acknowledged as durable). That
 * is a torn tail: recovery drops it and says how many bytes it dropped.
 * Damage to bytes that were written completely is corruption: a bad fragment
 * followed by valid ones, any bad fragment of an older segment (rotation
 * fsynced it whole), a bad fragment or an end of file below the segment's
 * synced-size mark (sync-mark.ts).
 *
 * Invariants:
 *   1. A bad fragment is a torn tail only if no valid record-starting fragment
 *      (FULL or FIRST) begins anywhere after it (a byte-by-byte scan, which
 *      finds the records of the same block as well as later blocks) and it
 *      starts at or above `syncedBytes`.
 *   2. A loss is never silent: `strict` throws `corruption` naming the file and
 *      offset; `salvage` resumes at the next valid record and returns every
 *      skipped region (offset, bytes, reason).
 *   3. `onRecord` sees complete records only, in file order; the payload is a
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

/** A region of a segment whose records recovery could not read. */
export interface LogLoss {
  file: string;
  offset: number;
  bytes: number;
  reason: string;
}

/** What reading a segment found. */
export interface LogReadResult {
  records: number;
  /** Bytes dropped as a torn tail (0 if the segment ended cleanly). */
  droppedBytes: number;
  /** Regions lost to corruption (`salvage` only; `strict` throws instead). */
  losses: LogLoss[];
}

/** How to read a segment. */
export interface LogReadMode {
  /** Bytes of the segment known to be durable: its mark, or its whole size if it is not the newest. */
  syncedBytes: number;
  /** Skip damaged regions and report them (true), or throw `corruption` at the first (false). */
  salvage: boolean;
  /** Called with each lost region as it is found, in file order between the records (salvage only). */
  onLoss?: (loss: LogLoss) => void;
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

/**
 * The first offset after `badPos` where a valid FULL or FIRST fragment
 * starts, or undefined (invariant 1). Gotcha: a damaged record whose payload
 * embeds a copy of a log fragment (a value holding log bytes) can be taken for
 * the next record; its checksum would be right, its place would not.
 */
function nextRecordStart(data: Uint8Array, badPos: number): number | undefined {
  for (let p = badPos + 1; p + HEADER_BYTES <= data.length; p++) {
    const type = data[p + 6] as number;
    if (type !== FRAGMENT_FULL && type !== FRAGMENT_FIRST) continue;
    if (BLOCK_BYTES - (p % BLOCK_BYTES) < HEADER_BYTES) continue;
    if (!('bad' in fragmentAt(data, p))) return p;
  }
  return undefined;
}

/**
 * Calls `onRecord` with every complete record of a segment named `name`.
 * Returns the record count, the torn tail dropped, and (with `salvage`) the
 * regions lost to corruption; without `salvage` a loss throws `corruption`
 * with the file name and offset (invariant 2).
 */
export function readLog(
  data: Uint8Array,
  name: string,
  mode: LogReadMode,
  onRecord: (payload: Uint8Array, offset: number) => void,
): LogReadResult {
  let pos = 0;
  let records = 0;
  let parts: Uint8Array[] | undefined;
  let recordStart = 0;
  const losses: LogLoss[] = [];
  let droppedBytes = 0;
  const lose = (offset: number, bytes: number, reason: string): void => {
    if (!mode.salvage) throw new LsmError('corruption', `${name}: ${reason} at offset ${offset} (${bytes} bytes lost)`);
    const loss = { file: name, offset, bytes, reason };
    losses.push(loss);
    mode.onLoss?.(loss);
  };
  /** Handles a bad fragment at `at`; returns where to resume, or undefined at the end. */
  const bad = (at: number, why: string): number | undefined => {
    const start = parts ? recordStart : at;
    parts = undefined;
    const next = nextRecordStart(data, at);
    if (next !== undefined) {
      lose(start, next - start, `${why}, followed by valid records`);
      return next;
    }
    if (start < mode.syncedBytes) lose(start, data.length - start, `${why} in synced data (${mode.syncedBytes} bytes synced)`);
    else droppedBytes = data.length - start;
    return undefined;
  };
  while (pos < data.length) {
    const left = BLOCK_BYTES - (pos % BLOCK_BYTES);
    if (left < HEADER_BYTES) {
      pos += left;
      continue;
    }
    const f = fragmentAt(data, pos);
    const why = 'bad' in f ? f.bad : outOfSequence(f.type, parts !== undefined);
    if (why !== undefined || 'bad' in f) {
      const next = bad(pos, why ?? '');
      if (next === undefined) break;
      pos = next;
      continue;
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
  if (parts) bad(data.length, 'incomplete record');
  if (data.length < mode.syncedBytes) {
    lose(data.length, mode.syncedBytes - data.length, `segment ends below its synced size ${mode.syncedBytes}`);
  }
  return { records, droppedBytes, losses };
}

/** Why a fragment of `type` cannot come here, or undefined if it can. */
function outOfSequence(type: number, inRecord: boolean): string | undefined {
  return (type === FRAGMENT_FULL || type === FRAGMENT_FIRST) === inRecord ? `fragment type ${type} out of sequence` : undefined;
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
