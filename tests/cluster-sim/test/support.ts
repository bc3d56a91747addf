/** Shared by the simulation tests: the macrotask turn the harness needs, and the CI campaign slices. */
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { failureSummary, faultKinds, profileKinds, runSeed, type ProfileName, type RunOptions, type RunReport } from '../src/index.js';

/** One macrotask: lets every microtask started by the fired timers run (cluster.ts, "Concurrency model"). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The seeds a campaign test runs: `count` from `first`, or only `SEED` when it is set (replay). */
export function campaignSeeds(first: number, count: number): number[] {
  if (process.env['SEED'] !== undefined) return [testSeed(first)];
  return Array.from({ length: count }, (_, i) => first + i);
}

/** Runs the seeds with one profile; resolves with every report and the failures' summaries. */
export async function runSlice(seeds: readonly number[], options: Partial<RunOptions>): Promise<{ reports: RunReport[]; failures: string[] }> {
  const reports: RunReport[] = [];
  const failures: string[] = [];
  for (const seed of seeds) {
    const r = await runSeed({ ...options, seed, turn });
    reports.push(r);
    if (r.anomalies.length > 0) failures.push(failureSummary(r));
  }
  return { reports, failures };
}

/** Seeds per profile in the CI campaign (six profiles: 516 seeds in all). */
export const ciSeedsPerProfile = 86;

/** Per-test time bound of a campaign slice: generous, the machine is shared (no test asserts a duration). */
export const sliceTimeoutMs = 600_000;

/**
 * Registers one CI campaign slice: `ciSeedsPerProfile` seeds of each profile
 * (seeds from `firstSeed`, then +1,000 per profile), every checker after every
 * seed; it also requires that every fault kind of the profile was injected and
 * that every seed acknowledged writes, so a nemesis or workload that silently
 * did nothing fails.
 */
export function campaignSlice(profiles: readonly ProfileName[], firstSeed: number): void {
  describe('campaign slice', () => {
    for (const [i, profile] of profiles.entries()) {
      const first = firstSeed + i * 1_000;
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
}
