#!/usr/bin/env node
/**
 * `pnpm chaos [flags]`: one chaos run from the command line (runner.ts),
 * its summary on stdout, exit 0 when valid, 1 when the checker or the
 * convergence check found something, 2 when the run could not be carried
 * out. SIGINT/SIGTERM abort the run and tear it down; a second one, or any
 * exit, SIGKILLs every node process at once: no orphans.
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isChaosError } from './errors.js';
import { killAllChildren } from './node-process.js';
import { formatReport } from './report.js';
import { runChaos } from './runner.js';
import { describeFault, faultKinds, makeSchedule, type FaultKind } from './schedule.js';

const usage = `pnpm chaos [flags]   (from the repository root; builds first)
Starts real ringkv nodes on loopback, each behind a fault-injecting TCP proxy, runs a set
workload, injects faults from a seeded schedule, heals, waits for convergence and checks.
  --nodes N         nodes (default 5, 3…9)
  --clients N       workload clients (default 4)
  --keys N          keys of the set workload (default 16)
  --duration-s S    length of the fault phase in seconds (default 60)
  --seed N          schedule and key-choice seed (default random; printed for replay)
  --faults LIST     comma-separated kinds, or all (default all but restart): ${faultKinds.join(',')}
  --overlap         kills and pauses overlap the network faults (a second fault lane)
  --dry-run         print the seed's fault schedule and exit
  --keep            keep data and node logs even when the run is valid
  --json FILE       also write the full report as JSON
  -h, --help        this text`;

function parse(): { values: Record<string, string | boolean | undefined> } {
  return parseArgs({
    options: {
      nodes: { type: 'string' }, clients: { type: 'string' }, keys: { type: 'string' }, 'duration-s': { type: 'string' },
      seed: { type: 'string' }, faults: { type: 'string' }, overlap: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, keep: { type: 'boolean' },
      json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
}

const num = (v: string | boolean | undefined, fallback: number): number => (typeof v === 'string' ? Number(v) : fallback);

async function main(): Promise<number> {
  const { values } = parse();
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const seed = num(values.seed, randomInt(0, 2 ** 31));
  const kinds = values.faults === 'all' ? faultKinds : typeof values.faults === 'string' ? (values.faults.split(',').map((k) => k.trim()) as FaultKind[]) : undefined;
  const durationMs = num(values['duration-s'], 60) * 1000;
  const nodes = num(values.nodes, 5);
  if (values['dry-run'] === true) {
    const overlap = values.overlap === true;
    for (const e of makeSchedule({ seed, durationMs, nodes: Array.from({ length: nodes }, (_, i) => `n${i + 1}`), kinds, overlap })) console.log(describeFault(e));
    return 0;
  }
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) {
      killAllChildren();
      process.exit(130);
    }
    console.error('chaos: stopping (again to kill at once)');
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  console.log(`chaos: seed ${seed} (replay the same faults: pnpm chaos --seed ${seed})`);
  const report = await runChaos({
    seed, durationMs, nodes, clients: num(values.clients, 4), keys: num(values.keys, 16), kinds, overlap: values.overlap === true,
    keepWorkDir: values.keep === true, signal: abort.signal, log: (line) => console.log(`chaos: ${line}`),
  });
  for (const line of formatReport(report)) console.log(line);
  if (typeof values.json === 'string') writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.valid ? 0 : 1;
}

process.on('exit', () => killAllChildren());
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(isChaosError(error) || error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
