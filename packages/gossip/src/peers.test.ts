import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { pickWeighted } from './peers.js';

const seed = testSeed(99);

describe('pickWeighted', () => {
  it('picks distinct items, no more than asked or available', () => {
    const rng = new Rng(seed);
    const picked = pickWeighted(rng, ['a', 'b', 'c', 'd'], () => 1, 3);
    expect(new Set(picked).size).toBe(3);
    expect(pickWeighted(rng, ['a', 'b'], () => 1, 5).sort()).toEqual(['a', 'b']);
    expect(pickWeighted(rng, [], () => 1, 2)).toEqual([]);
  });

  it('prefers heavier items in proportion to their weight', () => {
    const rng = new Rng(seed);
    let heavy = 0;
    const n = 5_000;
    for (let i = 0; i < n; i++) if (pickWeighted(rng, ['light', 'heavy'], (x) => (x === 'heavy' ? 9 : 1), 1)[0] === 'heavy') heavy++;
    expect(Math.abs(heavy / n - 0.9), seedNote(seed)).toBeLessThan(0.03);
  });
});
