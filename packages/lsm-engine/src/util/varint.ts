/**
 * Decoding side of the byte encodings `ByteWriter` produces: LEB128 varints
 * of safe integers and fixed-width little-endian integers.
 *
 * Decoders report their end position through `VarintCursor.pos` instead of
 * returning a tuple, so the block decoder's inner loop allocates nothing.
 * A malformed varint (running past `end`, or longer than 8 bytes) yields -1
 * and leaves the caller to raise the right error with the file and offset.
 */

/** The read position shared between successive decode calls. */
export interface VarintCursor {
  pos: number;
}

/** Decodes a varint at `cur.pos` (not beyond `end`), advancing `cur.pos`; -1 if malformed. */
export function getVarint(data: Uint8Array, cur: VarintCursor, end: number): number {
  let p = cur.pos;
  if (p < end) {
    const b0 = data[p] as number;
    if (b0 < 0x80) {
      cur.pos = p + 1;
      return b0;
    }
  }
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 8 && p < end; i++) {
    const b = data[p++] as number;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      cur.pos = p;
      return result;
    }
    scale *= 0x80;
  }
  return -1;
}

/** Unsigned 32-bit little-endian at `offset`. */
export function getU32(data: Uint8Array, offset: number): number {
  return (
    ((data[offset] as number) |
      ((data[offset + 1] as number) << 8) |
      ((data[offset + 2] as number) << 16) |
      ((data[offset + 3] as number) << 24)) >>>
    0
  );
}

/** Unsigned 64-bit little-endian at `offset`, as written by `ByteWriter.putU64`. */
export function getU64(data: Uint8Array, offset: number): number {
  return getU32(data, offset) + getU32(data, offset + 4) * 0x1_0000_0000;
}
