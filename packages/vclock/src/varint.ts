/**
 * Unsigned LEB128 varints over safe integers (0 ≤ n ≤ 2^53 − 1): 7 bits per
 * byte, least significant group first, high bit set on every byte but the last.
 *
 * Invariants:
 *   1. `writeVarint` emits the minimal form; `readVarint` rejects any other
 *      (a final 0x00 byte after the first), so one value has one encoding.
 *   2. `readVarint` never reads past `end` and never returns a value above
 *      `counterMax`; on bad input it throws VclockError('malformed').
 *
 * Values above 2^31 are handled with division and multiplication, not bit
 * operators, because JavaScript bit operators truncate to 32 bits.
 */
import { VclockError } from './errors.js';
import { counterMax } from './limits.js';

/** A safe integer needs at most 8 groups of 7 bits (56 ≥ 53). */
const varintBytesMax = 8;

/** Bytes a safe integer takes as a varint: 1 for < 128, at most 8. */
export function varintBytes(value: number): number {
  let bytes = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    bytes++;
  }
  return bytes;
}

/** Writes `value` at `offset` and returns the offset after it. The caller sized `out` with `varintBytes`. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let rest = value;
  let at = offset;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
}

/** A cursor over untrusted bytes; every read is bounds-checked. */
export class ByteReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  byte(what: string): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw truncated(what, this.offset);
    this.offset++;
    return value;
  }

  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; ; index++) {
      const start = this.offset;
      const byte = this.byte(what);
      value += (byte & 0x7f) * scale;
      if (value > counterMax) {
        throw new VclockError('malformed', `${what} at byte ${start} exceeds 2^53 - 1`);
      }
      if ((byte & 0x80) === 0) {
        if (byte === 0 && index > 0) {
          throw new VclockError('malformed', `${what} at byte ${start} is a non-minimal varint`);
        }
        return value;
      }
      if (index === varintBytesMax - 1) {
        throw new VclockError('malformed', `${what} at byte ${start} is longer than ${varintBytesMax} bytes`);
      }
      scale *= 0x80;
    }
  }

  slice(length: number, what: string): Uint8Array {
    if (length > this.remaining) throw truncated(what, this.offset);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

function truncated(what: string, offset: number): VclockError {
  return new VclockError('malformed', `truncated input: ${what} at byte ${offset}`);
}
