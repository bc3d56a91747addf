/** Shared by the simulation tests: the macrotask turn the harness needs, and a campaign slice runner. */
import { testSeed } from '@ringkv/sim';
import { failureSummary, runSeed, type RunOptions, type RunReport } from '../src/index.js';

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
