/**
 * The shrinker: given a failing run, drops nemesis events one at a time
 * (and then halves the workload) while the run still fails, and returns the
 * smallest failing schedule it found. Each try is a whole deterministic run,
 * so the result replays with the same seed and the printed schedule.
 *
 * Invariant: the returned report fails (has anomalies) and its schedule is a
 * subset of the original's; at most `shrinkRunsMax` runs are made.
 */
import { shrinkRunsMax } from './limits.js';
import { runSeed, type RunOptions, type RunReport } from './run.js';

/** Shrinks a failing run's schedule (module comment). */
export async function shrink(options: RunOptions, failing: RunReport): Promise<{ report: RunReport; runs: number }> {
  let best = failing;
  let runs = 0;
  let i = 0;
  while (i < best.schedule.length && runs < shrinkRunsMax) {
    const schedule = best.schedule.filter((_, j) => j !== i);
    runs++;
    const r = await runSeed({ ...options, schedule });
    if (r.anomalies.length > 0) best = r;
    else i++;
  }
  return { report: best, runs };
}
