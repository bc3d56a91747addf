/**
 * Seeded pseudo-random numbers for tests and simulation.
 *
 * The generator is xoshiro128** seeded through splitmix32: fast, 128 bits of
 * state, and the same sequence on every platform for the same seed. It is not
 * cryptographic and never meant to be.
 *
 * Invariants:
 *   1. Two `Rng`s built from the same seed return the same sequence, call for call.
 *   2. `fork(label)` derives an independent stream from the current state and
 *      the label without advancing the parent, so adding a consumer does not
 *      shift the numbers every other consumer sees.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Builds a generator from a 32-bit seed (any integer; it is mixed first). */
  constructor(readonly seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness; a drop-in for `Math.random()`. */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [0, bound). `bound` must be a positive safe integer ≤ 2^32. */
  int(bound: number): number {
    if (!(bound > 0 && bound <= 0x1_0000_0000 && Number.isInteger(bound))) {
      throw new RangeError(`sim: Rng.int bound must be an integer in [1, 2^32], got ${bound}`);
    }
    return Math.floor(this.next() * bound);
  }

  /** An integer in [min, max], both inclusive. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('sim: Rng.pick of an empty array');
    return items[this.int(items.length)] as T;
  }

  /** A new array with the elements in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let word = this.nextUint32();
      for (let k = 0; k < 4 && i + k < length; k++) {
        out[i + k] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** An independent generator derived from this one's state and `label`; this one does not advance. */
  fork(label: string): Rng {
    let h = 0x811c9dc5 ^ this.s0 ^ this.s2;
    for (let i = 0; i < label.length; i++) {
      h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    }
    return new Rng((h ^ this.s1 ^ rotl(this.s3, 5)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
