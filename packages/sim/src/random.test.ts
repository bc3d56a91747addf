import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';

describe('Rng', () => {
  it('returns the same sequence for the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    const ys = Array.from({ length: 100 }, () => b.nextUint32());
    expect(xs).toEqual(ys);
  });

  it('returns different sequences for different seeds', () => {
    const a = new Rng(1);
    const b = new Rng(2);
    const xs = Array.from({ length: 8 }, () => a.nextUint32());
    const ys = Array.from({ length: 8 }, () => b.nextUint32());
    expect(xs).not.toEqual(ys);
  });

  it('int stays within its bound and covers it', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const v = rng.int(10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });

  it('next is roughly uniform', () => {
    const rng = new Rng(99);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) buckets[Math.floor(rng.next() * 10)]!++;
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(n / 100);
  });

  it('fork does not advance the parent, is deterministic, and depends on its label', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const forked = a.fork('net');
    expect(a.nextUint32()).toBe(b.nextUint32());
    const again = new Rng(5).fork('net');
    const other = new Rng(5).fork('disk');
    const xs = Array.from({ length: 4 }, () => forked.nextUint32());
    expect(Array.from({ length: 4 }, () => again.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 4 }, () => other.nextUint32())).not.toEqual(xs);
  });

  it('shuffle is a permutation', () => {
    const rng = new Rng(3);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle(items);
    expect(shuffled.slice().sort((x, y) => x - y)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });

  it('rejects a bad bound with a clear error', () => {
    expect(() => new Rng(1).int(0)).toThrow(/bound/);
    expect(() => new Rng(1).pick([])).toThrow(/empty/);
  });
});
