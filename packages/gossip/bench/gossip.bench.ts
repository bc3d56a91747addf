/**
 * The figures of the gossip README, measured under `@ringkv/sim` (simulated
 * time, so they do not depend on the machine; only the wall time of the run
 * does). Run: `pnpm --filter @ringkv/gossip bench`. Each experiment runs once
 * per seed; the table is printed after the benches.
 */
import { afterAll, bench, describe } from 'vitest';
import { bytesPerNodePerRound, detectionMs, falseSuspicions, roundsToConverge, spreadRounds } from '../test/cluster.js';

const seeds = [1, 2, 3];
const sizes = [10, 25, 50, 100];
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const rows: string[] = [];
const ran = new Set<string>();

/** tinybench may call a bench function more than once; each experiment runs (and reports) once. */
function experiment(name: string, run: () => void): void {
  bench(name, () => {
    if (ran.has(name)) return;
    ran.add(name);
    run();
  });
}

function mean(values: Array<number | undefined>): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length < values.length) return 'did not finish';
  return (known.reduce((a, b) => a + b, 0) / known.length).toFixed(2);
}

describe('gossip figures (simulated time)', () => {
  experiment('rounds to converge, joining through 3 seeds', () => {
    for (const n of sizes) rows.push(`converge   n=${n}: ${mean(seeds.map((s) => roundsToConverge(s, n)))} rounds`);
  });

  experiment('rounds for one update to reach every member', () => {
    for (const n of sizes) rows.push(`spread     n=${n}: ${mean(seeds.map((s) => spreadRounds(s, n)))} rounds`);
  });

  experiment('crash to down at every live node', () => {
    for (const n of [10, 50, 100]) {
      const ms = seeds.map((s) => detectionMs(s, n));
      rows.push(`detect     n=${n}: mean ${mean(ms)} ms, max ${Math.max(...ms.map((m) => m ?? Infinity))} ms`);
    }
  });

  experiment('false suspicions per node-hour, 200 ms jitter, 5% loss', () => {
    for (const timeout of [2_000, 3_000, 5_000]) {
      const runs = seeds.map((s) => falseSuspicions(s, 16, 1_200_000, { jitterMs: 200, lossRate: 0.05 }, { suspectTimeoutMs: timeout }));
      const hours = runs.reduce((a, r) => a + r.nodeHours, 0);
      const perHour = runs.reduce((a, r) => a + r.suspicionsPerNodeHour * r.nodeHours, 0) / hours;
      const downs = runs.reduce((a, r) => a + r.downs, 0);
      rows.push(`noise      timeout=${timeout} ms: ${perHour.toFixed(2)} suspicions/node-hour over ${hours.toFixed(1)} node-hours, ${downs} downs`);
    }
  });

  experiment('bytes per node per round', () => {
    let at10 = 0;
    for (const n of sizes) {
      const runs = seeds.map((s) => bytesPerNodePerRound(s, n));
      const bytes = runs.reduce((a, r) => a + r.bytes, 0) / runs.length;
      const messages = runs.reduce((a, r) => a + r.messages, 0) / runs.length;
      if (n === 10) at10 = bytes;
      rows.push(`bytes      n=${n}: ${bytes.toFixed(0)} B/node/round (${(bytes / n).toFixed(1)} B per member, ${messages.toFixed(1)} msgs, ${(bytes / at10).toFixed(2)} × n=10)`);
    }
  });
});

afterAll(() => {
  console.log(['', 'gossip figures (mean of seeds ' + seeds.join(', ') + ')', ...rows, ''].join('\n'));
});
