/**
 * A small seeded generator for the fault schedule and the workload's key
 * choice (`@ringkv/sim` is a test kit, so production code of this package
 * carries its own). Same seed, same sequence, on every platform.
 *
 * Invariants:
 *   1. `next()` is in [0, 1); `int(n)` in [0, n) for n ≥ 1.
 *   2. The sequence depends only on the seed (32-bit state, integer math).
 */

/** A seeded pseudo-random sequence (mulberry32-style mixing of a Weyl counter). */
export class SeededRandom {
  private state: number;

  /** `seed`: any integer; only its low 32 bits matter. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
