/**
 * A running hash over trace lines, plus the last few lines for reading.
 *
 * Invariants:
 *   1. The hash depends on every line ever recorded, in order, and on nothing else.
 *   2. Memory is bounded: only the last `keptLines` lines are held.
 */

/**
 * A trace: `record(line)` appends, `hash()` summarises.
 *
 * Details: the hash is two 32-bit FNV-1a lanes with different offsets, printed
 * as 16 hex digits; good enough to tell runs apart, not a cryptographic digest.
 */
export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;
  private count = 0;
  private readonly tail: string[] = [];

  constructor(private readonly keptLines: number) {}

  /** Appends one line (it should not contain a newline). */
  record(line: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    this.h1 = Math.imul(h1 ^ 10, 0x01000193) >>> 0;
    this.h2 = (Math.imul(h2 ^ 10, 0x5bd1e995) ^ (h2 >>> 15)) >>> 0;
    this.count++;
    if (this.keptLines <= 0) return;
    if (this.tail.length >= this.keptLines) this.tail.shift();
    this.tail.push(line);
  }

  /** Lines recorded so far. */
  length(): number {
    return this.count;
  }

  /** 16 hex digits summarising every line so far. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }

  /** The last lines recorded (at most `keptLines`), oldest first. */
  lastLines(): readonly string[] {
    return this.tail.slice();
  }
}
