/**
 * A growable byte buffer with the little encoders the SSTable writer needs
 * (bytes, varints, fixed-width little-endian integers).
 *
 * Invariants:
 *   1. `length` bytes at the start of `bytes` are the written data; the rest
 *      of the backing array is spare capacity with unspecified contents.
 *   2. Capacity only grows (doubling), so a writer reused with `reset()` for
 *      block after block stops allocating once it has seen its largest block.
 */
/** Copies up to this many bytes with a loop rather than `set`. */
const SMALL_COPY_BYTES = 64;

export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacityBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacityBytes));
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.len;
  }

  /** Forgets the contents and keeps the capacity. */
  reset(): void {
    this.len = 0;
  }

  /** A view of the written bytes; valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the written bytes that the caller owns. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private ensure(extraBytes: number): void {
    const needed = this.len + extraBytes;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  putU8(value: number): void {
    this.ensure(1);
    this.buf[this.len++] = value & 0xff;
  }

  putBytes(data: Uint8Array, start = 0, end = data.length): void {
    const n = end - start;
    this.ensure(n);
    if (n <= SMALL_COPY_BYTES) {
      // A byte loop beats TypedArray.set (and the subarray it needs) for the short keys and values that dominate.
      const b = this.buf;
      let p = this.len;
      for (let i = start; i < end; i++) b[p++] = data[i] as number;
    } else {
      this.buf.set(start === 0 && end === data.length ? data : data.subarray(start, end), this.len);
    }
    this.len += n;
  }

  /** Unsigned 32-bit little-endian. */
  putU32(value: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.len;
    b[p++] = value & 0xff;
    b[p++] = (value >>> 8) & 0xff;
    b[p++] = (value >>> 16) & 0xff;
    b[p++] = (value >>> 24) & 0xff;
    this.len = p;
  }

  /** Unsigned 64-bit little-endian of a safe integer (< 2^53). */
  putU64(value: number): void {
    this.putU32(value >>> 0);
    this.putU32(Math.floor(value / 0x1_0000_0000));
  }

  /** LEB128 varint of a non-negative safe integer: 1 byte below 128, at most 8 for < 2^53. */
  putVarint(value: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.len;
    let v = value;
    while (v >= 0x80_0000_00) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.len = p;
  }
}
