/**
 * `pnpm sim`: the command line of the simulation, and the package's one seam
 * to the real world (a macrotask turn, the wall clock for progress, stdout).
 *
 *   pnpm sim --seeds 2000 [--profile all] [--nodes 5] [--first 1]   a campaign, summary table
 *   SEED=1234 pnpm sim [--profile p] [--nodes k]                     one seed, verbosely, shrunk if it fails
 *   (also --workload set|register, --ops n per client, --clients n, --faults n per run)
 *   pnpm sim --ttl --seeds 20                 expiry under skewed clocks (issue 18)
 *   pnpm sim --conditions --seeds 20 [--profile p]   conditional writes: how often a condition was wrongly granted
 *
 * Exit code: 0 when no anomaly was found, 1 otherwise, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { formatActivity, formatTable, profileFor, runCampaign } from './campaign.js';
import { conditionsCampaign, ttlCampaign } from './issue-18-campaign.js';
import { describe, faultKinds } from './nemesis.js';
import { failureSummary, runSeed, type RunOptions, type RunReport } from './run.js';
import { shrink } from './shrink.js';
import type { WorkloadName } from './workload.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function usage(message: string): never {
  process.stderr.write(`sim: ${message}\nusage: pnpm sim --seeds N [--profile p] [--nodes k] [--first S] [--workload set|register] [--ops n] [--clients n] [--faults n] [--dcs D]; SEED=x pnpm sim\n`);
  process.exit(2);
}

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) usage(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

async function single(seed: number, base: Partial<RunOptions>): Promise<number> {
  const options: RunOptions = { ...base, seed, turn, profile: base.profile ?? profileFor(seed - 1, undefined) };
  const r = await runSeed(options);
  printRun(r);
  if (r.anomalies.length === 0) return 0;
  process.stdout.write(`${failureSummary(r)}\nshrinking…\n`);
  const { report, runs } = await shrink(options, r);
  process.stdout.write(`smallest failing schedule after ${runs} runs (${report.schedule.length} of ${r.schedule.length} faults):\n${report.schedule.map((e) => `  ${describe(e)}`).join('\n')}\n`);
  return 1;
}

function printRun(r: RunReport): void {
  const faults = faultKinds.filter((k) => r.faults[k] > 0).map((k) => `${k}=${r.faults[k]}`).join(' ') || 'none';
  process.stdout.write(
    [
      `seed ${r.seed} profile ${r.profile} workload ${r.workload} nodes ${r.nodes}${r.dcs >= 2 ? ` dcs ${r.dcs}` : ''}`,
      `  ops ${r.ops} acked ${r.acked} indeterminate ${r.indeterminate} refused ${r.refused} reads failed ${r.readsFailed}`,
      `  faults ${faults}; repair rounds ${r.repairRounds}; simulated ${Math.round(r.simMs)} ms`,
      `  activity ${Object.entries(r.activity).map(([k, n]) => `${k}=${n}`).join(' ')}`,
      `  schedule:`,
      ...r.schedule.map((e) => `    ${describe(e)}`),
      `  trace ${r.traceHash} (${r.traceLines} lines); anomalies ${r.anomalies.length}`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: { seeds: { type: 'string' }, profile: { type: 'string' }, nodes: { type: 'string' }, first: { type: 'string' }, workload: { type: 'string' }, ops: { type: 'string' }, clients: { type: 'string' }, faults: { type: 'string' }, dcs: { type: 'string' }, ttl: { type: 'boolean' }, conditions: { type: 'boolean' } },
      allowPositionals: false,
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const v = parsed.values;
  if (v.ttl === true || v.conditions === true) return issue18(v);
  const workload = v.workload as WorkloadName | undefined;
  if (workload !== undefined && workload !== 'set' && workload !== 'register') usage(`--workload must be set or register`);
  const nodes = intArg('nodes', v.nodes);
  const ops = intArg('ops', v.ops);
  const clients = intArg('clients', v.clients);
  const faults = intArg('faults', v.faults);
  const dcs = intArg('dcs', v.dcs);
  const base: Partial<RunOptions> = {
    ...(v.profile === undefined ? {} : { profile: v.profile }), ...(nodes === undefined ? {} : { nodes }), ...(workload === undefined ? {} : { workload }),
    ...(ops === undefined ? {} : { opsPerClient: ops }), ...(clients === undefined ? {} : { clients }), ...(faults === undefined ? {} : { faults }),
    ...(dcs === undefined ? {} : { dcs }),
  };
  const seedEnv = process.env['SEED'];
  if (seedEnv !== undefined && v.seeds === undefined) return single(intArg('SEED', seedEnv) ?? 1, base);
  const seeds = intArg('seeds', v.seeds) ?? 100;
  const started = Date.now();
  const failed: RunReport[] = [];
  const rows = await runCampaign({
    seeds, firstSeed: intArg('first', v.first) ?? 1, turn, run: base, ...(v.profile === undefined ? {} : { profile: v.profile }), ...(nodes === undefined ? {} : { nodes }),
    onRun: (r) => {
      if (r.anomalies.length > 0) {
        failed.push(r);
        process.stdout.write(`${failureSummary(r)}\n`);
      }
      const done = r.seed - (intArg('first', v.first) ?? 1) + 1;
      if (done % 100 === 0) process.stdout.write(`${done}/${seeds} seeds, ${failed.length} failing, ${Math.round((Date.now() - started) / 1000)} s\n`);
    },
  });
  process.stdout.write(`\n${formatTable(rows)}\n\n${formatActivity(rows)}\n\n${seeds} seeds in ${Math.round((Date.now() - started) / 1000)} s; failing seeds: ${failed.map((r) => r.seed).join(', ') || 'none'}\n`);
  return failed.length === 0 ? 0 : 1;
}

/** `--ttl` / `--conditions` (issue 18): their own campaigns; `SEED=` runs one seed. */
async function issue18(v: { ttl?: boolean; seeds?: string; first?: string; profile?: string; nodes?: string }): Promise<number> {
  const seedEnv = process.env['SEED'];
  const one = seedEnv !== undefined && v.seeds === undefined;
  const nodes = intArg('nodes', v.nodes);
  const o = {
    seeds: one ? 1 : (intArg('seeds', v.seeds) ?? 20), firstSeed: one ? (intArg('SEED', seedEnv) ?? 1) : (intArg('first', v.first) ?? 1), turn,
    ...(v.profile === undefined ? {} : { profile: v.profile }), ...(nodes === undefined ? {} : { nodes }), write: (line: string) => process.stdout.write(`${line}\n`),
  };
  const failing = v.ttl === true ? await ttlCampaign(o) : await conditionsCampaign(o);
  return failing.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sim: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
