/**
 * Encoding of a write batch as a commit log record payload (layout in
 * format.ts and docs/format/wal.md). A batch is the unit of atomicity: it is
 * one record, so recovery replays all of its ops or none.
 */
import { LsmError } from '../errors.js';
import { KIND_DELETE, KIND_PUT, type EntryKind } from '../format/internal.js';
import type { ByteWriter } from '../util/byte-writer.js';
import { getU32, getU64, getVarint } from '../util/varint.js';
import { BATCH_HEADER_BYTES } from './format.js';

/** One operation of a batch, in the engine's internal form. */
export interface BatchOp {
  readonly kind: EntryKind;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Appends the payload for `ops` (sequence numbers firstSeq, firstSeq+1, …) to `out`. */
export function encodeBatch(out: ByteWriter, firstSeq: number, ops: readonly BatchOp[]): void {
  out.putU64(firstSeq);
  out.putU32(ops.length);
  for (const op of ops) {
    out.putU8(op.kind);
    out.putVarint(op.key.length);
    out.putBytes(op.key);
    if (op.kind === KIND_PUT) {
      out.putVarint(op.value.length);
      out.putBytes(op.value);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Decodes a batch payload, calling `onOp` with each op's sequence number.
 * The key and value are subarrays of `payload`. A malformed payload (its CRC
 * matched, so this means a bug or a crafted file) is `corruption`.
 */
export function decodeBatch(
  payload: Uint8Array,
  where: string,
  onOp: (seq: number, kind: EntryKind, key: Uint8Array, value: Uint8Array) => void,
): { firstSeq: number; count: number } {
  const bad = (why: string): LsmError => new LsmError('corruption', `${where}: malformed batch (${why})`);
  if (payload.length < BATCH_HEADER_BYTES) throw bad('short header');
  const firstSeq = getU64(payload, 0);
  const count = getU32(payload, 8);
  const cur = { pos: BATCH_HEADER_BYTES };
  const end = payload.length;
  for (let i = 0; i < count; i++) {
    if (cur.pos >= end) throw bad('fewer ops than its count');
    const kind = payload[cur.pos++] as number;
    if (kind !== KIND_PUT && kind !== KIND_DELETE) throw bad(`op kind ${kind}`);
    const key = readBytes(payload, cur, end);
    if (!key) throw bad('key length');
    let value: Uint8Array = EMPTY;
    if (kind === KIND_PUT) {
      const v = readBytes(payload, cur, end);
      if (!v) throw bad('value length');
      value = v;
    }
    onOp(firstSeq + i, kind, key, value);
  }
  if (cur.pos !== end) throw bad('trailing bytes');
  return { firstSeq, count };
}

function readBytes(data: Uint8Array, cur: { pos: number }, end: number): Uint8Array | undefined {
  const n = getVarint(data, cur, end);
  if (n < 0 || cur.pos + n > end) return undefined;
  const out = data.subarray(cur.pos, cur.pos + n);
  cur.pos += n;
  return out;
}
