import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { bytesPerNodePerRound, falseSuspicions } from './cluster.js';

const seed = testSeed(5150);

/** The stated bound: with 200 ms jitter and 5 % loss, at most one false suspicion per node-hour (measured: 0 over 5.3 node-hours). */
const falseSuspicionsPerNodeHourMax = 1;

/** The stated bound on growth: bytes per node per round at 100 nodes under 8 × those at 10 (linear growth would be 10 ×). */
const bytesGrowthMax = 8;

describe('noise', () => {
  it('with 200 ms jitter and 5% loss and no failure, false suspicions stay under one per node-hour and nobody is declared down', () => {
    const result = falseSuspicions(seed, 16, 1_200_000, { jitterMs: 200, lossRate: 0.05 });
    expect(result.downs, seedNote(seed)).toBe(0);
    expect(result.suspicionsPerNodeHour, seedNote(seed)).toBeLessThanOrEqual(falseSuspicionsPerNodeHourMax);
  });

  it('an aggressive 1.5 s timeout on the same network does raise false suspicions, so the measurement can see them', () => {
    const result = falseSuspicions(seed, 10, 300_000, { jitterMs: 200, lossRate: 0.05 }, { suspectTimeoutMs: 1_500 });
    expect(result.suspicionsPerNodeHour, seedNote(seed)).toBeGreaterThan(falseSuspicionsPerNodeHourMax);
  });
});

describe('bytes per round', () => {
  it('bytes sent per node per round grow less than linearly from 10 to 100 nodes', () => {
    const sizes = [10, 25, 50, 100];
    const figures = sizes.map((n) => bytesPerNodePerRound(seed, n).bytes);
    const [at10, , , at100] = figures as [number, number, number, number];
    expect(at100 / at10, `figures ${figures.map(Math.round).join(', ')} ${seedNote(seed)}`).toBeLessThan(bytesGrowthMax);
    // Bytes per member per round fall as the cluster grows: no full entries are resent.
    const perMember = figures.map((b, i) => b / (sizes[i] as number));
    for (let i = 1; i < perMember.length; i++) expect(perMember[i], seedNote(seed)).toBeLessThan(perMember[i - 1] as number);
  });
});
