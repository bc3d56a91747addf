/**
 * CI campaign slice (issue 8): the profiles `crashes` and `wipe`, seeds from 20000
 * seeds, every checker after every seed. Split over three files so vitest
 * runs them on both cores. `SEED=… ` replays one seed of each profile.
 */
import { seedNote } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { faultKinds, profileKinds } from '../src/index.js';
import { campaignSeeds, ciSeedsPerProfile, runSlice, sliceTimeoutMs } from './support.js';

describe('campaign slice', () => {
  for (const [i, profile] of (['crashes', 'wipe'] as const).entries()) {
    const first = 20000 + i * 1_000;
    it(`${profile}: ${ciSeedsPerProfile} seeds under the nemesis lose no acknowledged write and converge`, async () => {
      const seeds = campaignSeeds(first, ciSeedsPerProfile);
      const { reports, failures } = await runSlice(seeds, { profile });
      expect(failures, failures.join('\n\n')).toEqual([]);
      const injected = reports.reduce((n, r) => n + faultKinds.reduce((m, k) => m + r.faults[k], 0), 0);
      const kinds = new Set(reports.flatMap((r) => faultKinds.filter((k) => r.faults[k] > 0)));
      expect(injected, seedNote(first)).toBeGreaterThan(0);
      if (seeds.length > 1) expect([...kinds].sort(), seedNote(first)).toEqual([...profileKinds(profile)].sort());
      expect(reports.every((r) => r.acked > 0), seedNote(first)).toBe(true);
    }, sliceTimeoutMs);
  }
});
