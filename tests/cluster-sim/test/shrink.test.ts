/**
 * The shrinker drops nemesis events while the run still fails. Here a run
 * "fails" (an extra check) whenever a node was killed, so the smallest
 * failing schedule is one kill.
 */
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { runSeed, shrink, type RunOptions } from '../src/index.js';
import { turn } from './support.js';

const seed = testSeed(5_150);

describe('shrink', () => {
  it('reduces a failing schedule to the one fault that makes it fail', async () => {
    const options: RunOptions = {
      seed, turn, profile: 'crashes', nodes: 5, faults: 6, opsPerClient: 10,
      extraCheck: (_c, _h, faults) => (faults.kill > 0 ? [{ checker: 'hints', detail: 'a node was killed' }] : []),
    };
    const failing = await runSeed(options);
    expect(failing.schedule.filter((e) => e.kind === 'kill').length, `the seed's schedule needs a kill and more ${seedNote(seed)}`).toBeGreaterThan(0);
    expect(failing.schedule.length, seedNote(seed)).toBeGreaterThan(1);
    const { report, runs } = await shrink(options, failing);
    expect(report.schedule.map((e) => e.kind), seedNote(seed)).toEqual(['kill']);
    expect(report.anomalies.length, seedNote(seed)).toBeGreaterThan(0);
    expect(runs, seedNote(seed)).toBeLessThanOrEqual(failing.schedule.length);
  });
});
