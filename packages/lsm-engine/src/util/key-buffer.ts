/**
 * A reusable buffer holding one key (the previous key of a builder), so the
 * per-entry comparisons of the table writer allocate nothing.
 */
export class KeyBuffer {
  private buf = new Uint8Array(64);
  private len = 0;

  get length(): number {
    return this.len;
  }

  /** Replaces the contents with `key`. */
  set(key: Uint8Array): void {
    const n = key.length;
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    const b = this.buf;
    for (let i = 0; i < n; i++) b[i] = key[i] as number;
    this.len = n;
  }

  /** compareBytes(contents, other). */
  compare(other: Uint8Array): number {
    const b = this.buf;
    const len = this.len;
    const n = len < other.length ? len : other.length;
    for (let i = 0; i < n; i++) {
      const d = (b[i] as number) - (other[i] as number);
      if (d !== 0) return d;
    }
    return len - other.length;
  }

  /** Length of the common prefix of the contents and `other`. */
  sharedPrefix(other: Uint8Array): number {
    const b = this.buf;
    const n = this.len < other.length ? this.len : other.length;
    let i = 0;
    while (i < n && b[i] === other[i]) i++;
    return i;
  }

  /** A copy of the contents. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
