import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSeed, seedNote } from '@ringkv/sim';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('stays within [d/2, d) for d = min(cap, base·2^round), whatever the random draw', () => {
    const seed = testSeed(4242);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (round, baseMs, capMs, r) => {
          const d = Math.min(capMs, baseMs * 2 ** Math.min(round, 30));
          const delay = backoffDelayMs(round, baseMs, capMs, () => r);
          expect(delay, seedNote(seed)).toBeGreaterThanOrEqual(d / 2);
          expect(delay <= d, seedNote(seed)).toBe(true);
        },
      ),
      { seed, numRuns: 500 },
    );
  });

  it('doubles each round until the cap, then stays there', () => {
    const mid = (): number => 0.5;
    const delays = Array.from({ length: 12 }, (_, round) => backoffDelayMs(round, 10, 1000, mid));
    for (let i = 1; i < delays.length; i++) {
      const prev = delays[i - 1] as number;
      const cur = delays[i] as number;
      expect(cur === prev * 2 || cur === backoffDelayMs(99, 10, 1000, mid)).toBe(true);
    }
    expect(delays.at(-1)).toBe(backoffDelayMs(99, 10, 1000, mid));
  });
});
