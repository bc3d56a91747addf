/**
 * A campaign: many seeds, each with its profile (given, or the profiles in
 * turn), and a summary of operations, faults and anomalies per profile.
 *
 * Invariant: a campaign's result depends only on its options (each seed is
 * deterministic), so a failing seed in it replays alone with `SEED=`.
 */
import type { Turn } from './cluster.js';
import { faultKinds, profileNames, zeroCounts, type FaultCounts } from './nemesis.js';
import { runSeed, type RunOptions, type RunReport } from './run.js';
import { addActivity, zeroActivity, type Activity } from './sim-node.js';

/** What a campaign runs. */
export interface CampaignOptions {
  readonly seeds: number;
  readonly firstSeed?: number;
  /** One profile for every seed; default: profiles in turn. */
  readonly profile?: string;
  readonly nodes?: number;
  readonly turn: Turn;
  /** Extra run options (workload, clients, ops). */
  readonly run?: Partial<RunOptions>;
  /** Told after each seed (progress, failures). */
  readonly onRun?: (r: RunReport) => void | Promise<void>;
}

/** Totals of one profile (or of the whole campaign). */
export interface CampaignRow {
  readonly profile: string;
  seeds: number;
  ops: number;
  acked: number;
  indeterminate: number;
  faults: FaultCounts;
  activity: Activity;
  anomalies: number;
  failedSeeds: number[];
}

/** The profile of seed number `i` of a campaign. */
export function profileFor(i: number, profile: string | undefined): string {
  return profile ?? (profileNames[i % profileNames.length] as string);
}

/** Runs a campaign; resolves with one row per profile plus a `total` row last. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignRow[]> {
  const rows = new Map<string, CampaignRow>();
  const total = emptyRow('total');
  const first = o.firstSeed ?? 1;
  for (let i = 0; i < o.seeds; i++) {
    const profile = profileFor(i, o.profile);
    const r = await runSeed({ ...o.run, seed: first + i, turn: o.turn, profile, ...(o.nodes === undefined ? {} : { nodes: o.nodes }) });
    let row = rows.get(profile);
    if (row === undefined) rows.set(profile, (row = emptyRow(profile)));
    add(row, r);
    add(total, r);
    await o.onRun?.(r);
  }
  return [...rows.values(), total];
}

function emptyRow(profile: string): CampaignRow {
  return { profile, seeds: 0, ops: 0, acked: 0, indeterminate: 0, faults: zeroCounts(), activity: zeroActivity(), anomalies: 0, failedSeeds: [] };
}

function add(row: CampaignRow, r: RunReport): void {
  row.seeds++;
  row.ops += r.ops;
  row.acked += r.acked;
  row.indeterminate += r.indeterminate;
  for (const k of faultKinds) row.faults[k] += r.faults[k];
  addActivity(row.activity, r.activity);
  row.anomalies += r.anomalies.length;
  if (r.anomalies.length > 0) row.failedSeeds.push(r.seed);
}

/** The activity table (Markdown): what the faults made the nodes do. */
export function formatActivity(rows: readonly CampaignRow[]): string {
  const keys = Object.keys(zeroActivity()) as (keyof Activity)[];
  const lines = [`| profile | ${keys.join(' | ')} |`, `|---|${keys.map(() => '---:').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.profile} | ${keys.map((k) => r.activity[k]).join(' | ')} |`);
  return lines.join('\n');
}

/** The summary table (Markdown). */
export function formatTable(rows: readonly CampaignRow[]): string {
  const used = faultKinds.filter((k) => rows.some((r) => r.faults[k] > 0));
  const head = ['profile', 'seeds', 'ops', 'acked', 'indeterminate', ...used, 'anomalies'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.profile, r.seeds, r.ops, r.acked, r.indeterminate, ...used.map((k) => r.faults[k]), r.anomalies].join(' | ')} |`);
  return lines.join('\n');
}
