/**
 * One seeded run: build the cluster, start it, run a workload while the
 * nemesis injects a fault schedule, heal, let handoff and anti-entropy run
 * (a bounded number of repair rounds), then check. Everything derives from
 * the seed, so a run's report (and its trace hash) is a function of
 * (seed, options).
 *
 * Invariants:
 *   1. Same seed and options ⇒ same fault schedule, same trace, same hash.
 *   2. The report's anomalies are empty for a correct cluster; any entry is
 *      a bug (in the cluster or in a checker).
 */
import { Rng } from '@ringkv/sim';
import type { Turn } from './cluster.js';
import { SimCluster } from './cluster.js';
import { checkConvergence, checkHints, checkMerkle, checkRegister, checkSet, type Anomaly } from './checkers.js';
import { ClusterSimError } from './errors.js';
import * as L from './limits.js';
import { describe, Nemesis, planFaults, profileKinds, type FaultCounts, type FaultEvent } from './nemesis.js';
import { addActivity, zeroActivity, type Activity } from './sim-node.js';
import { runWorkload, type History, type WorkloadName } from './workload.js';

/** What a run is made of; every field but `seed` and `turn` has a default. */
export interface RunOptions {
  readonly seed: number;
  readonly turn: Turn;
  readonly profile?: string;
  readonly workload?: WorkloadName;
  readonly nodes?: number;
  readonly clients?: number;
  readonly opsPerClient?: number;
  readonly keys?: number;
  readonly faults?: number;
  /** Data centers (cluster.ts `ClusterOptions.dcs`); default 2 for the `dcs` profile, else none. */
  readonly dcs?: number;
  /** Use this schedule instead of planning one (the shrinker does). */
  readonly schedule?: readonly FaultEvent[];
  /** More checks after the built-in ones (tests of the harness itself, e.g. of the shrinker). */
  readonly extraCheck?: (cluster: SimCluster, history: History, faults: FaultCounts) => Anomaly[];
}

/** The outcome of one run. */
export interface RunReport {
  readonly seed: number;
  readonly profile: string;
  readonly workload: WorkloadName;
  readonly nodes: number;
  /** Data centers (0: one DC, no labels). */
  readonly dcs: number;
  readonly ops: number;
  readonly acked: number;
  readonly indeterminate: number;
  readonly refused: number;
  readonly readsFailed: number;
  readonly faults: FaultCounts;
  readonly schedule: readonly FaultEvent[];
  readonly repairRounds: number;
  /** What the nodes did (hints, repairs, collections, flushes), summed. */
  readonly activity: Activity;
  readonly anomalies: readonly Anomaly[];
  readonly traceHash: string;
  readonly traceLines: number;
  readonly traceTail: readonly string[];
  readonly simMs: number;
}

/**
 * The workload and node count a seed runs when none is given, drawn from the
 * seed's own stream: not from its residues, which a campaign also uses to
 * pick the profile (seed parity and `seed mod 6` would tie each profile to
 * one workload and one cluster size).
 */
function shapeOf(seed: number): { workload: WorkloadName; nodes: number } {
  const rng = new Rng(seed).fork('shape');
  return { workload: rng.chance(0.5) ? 'set' : 'register', nodes: 3 + rng.int(3) };
}

/** The workload a seed runs when none is given (set or register, half each). */
export function workloadOf(seed: number): WorkloadName {
  return shapeOf(seed).workload;
}

/** The node count a seed runs when none is given: 3, 4 or 5. */
export function nodesOf(seed: number): number {
  return shapeOf(seed).nodes;
}

/** The node count of a multi-DC seed when none is given: 2 per DC plus 0, 1 or 2 (at most `nodesMax`). */
export function dcNodesOf(seed: number, dcs: number): number {
  return Math.min(L.nodesMax, 2 * dcs + nodesOf(seed) - L.nodesMin);
}

/** Runs one seed (module comment). */
export async function runSeed(o: RunOptions): Promise<RunReport> {
  const profile = o.profile ?? 'all';
  const kinds = profileKinds(profile);
  const dcs = o.dcs ?? (profile === 'dcs' ? 2 : 0);
  if (profile === 'dcs' && dcs < 2) throw new ClusterSimError('invalid-argument', `the dcs profile needs at least 2 DCs, got ${dcs}`);
  const nodes = o.nodes ?? (dcs >= 2 ? dcNodesOf(o.seed, dcs) : nodesOf(o.seed));
  if (!(nodes >= L.nodesMin && nodes <= L.nodesMax)) throw new ClusterSimError('invalid-argument', `nodes must be in [${L.nodesMin}, ${L.nodesMax}], got ${nodes}`);
  const clients = Math.min(o.clients ?? L.clientsDefault, L.clientsMax);
  const workload = o.workload ?? workloadOf(o.seed);
  const cluster = new SimCluster({ seed: o.seed, nodes, clients, turn: o.turn, dcs });
  const rng = cluster.sim.fork('run');
  const keys = Array.from({ length: o.keys ?? L.keysDefault }, (_, i) => `k${i}`);
  const schedule = o.schedule ?? planFaults(rng.fork('nemesis'), kinds, cluster.ids, cluster.clients.map((c) => c.id), o.faults ?? L.nemesisEventsDefault, L.nemesisWindowMs, cluster.dcGroups());
  try {
    if (!(await cluster.start())) throw new ClusterSimError('stuck', `the cluster did not form (seed ${o.seed})`);
    const nemesis = new Nemesis(cluster);
    nemesis.schedule(schedule);
    let history: History | undefined;
    void runWorkload(cluster, workload, keys, Math.min(o.opsPerClient ?? L.opsPerClientDefault, L.opsPerClientMax), rng.fork('workload')).then((h) => (history = h));
    await cluster.runUntil(() => history !== undefined && nemesis.done, L.runMsMax / 2);
    if (history === undefined) throw new ClusterSimError('stuck', `the workload did not finish (seed ${o.seed})`);
    const h: History = history;
    cluster.sim.record('heal');
    await nemesis.healAll();
    const repairRounds = await quiet(cluster, keys);
    const anomalies = [
      ...checkConvergence(cluster, keys),
      ...checkMerkle(cluster),
      ...checkHints(cluster),
      ...(workload === 'set' ? checkSet(cluster, h) : checkRegister(cluster, h)),
      ...(o.extraCheck?.(cluster, h, nemesis.injected) ?? []),
    ];
    return report(o.seed, profile, workload, nodes, dcs, h, nemesis.injected, schedule, repairRounds, anomalies, cluster);
  } finally {
    cluster.stop();
  }
}

/**
 * The quiet period: gossip sees everyone up, hints replay, then repair
 * rounds (a pass on every node) until the replicas agree or the bound is
 * reached. Returns the rounds used.
 */
export async function quiet(cluster: SimCluster, keys: readonly string[]): Promise<number> {
  await cluster.runUntil(() => cluster.allSeeAllUp(), L.settleMs * 5);
  // Coordinators still running a write at the heal store their hints at its deadline: let them, then let handoff drain.
  await cluster.runFor(cluster.settings.requestTimeoutMs + L.clientTimeoutMs);
  await cluster.runUntil(() => cluster.running().every((n) => n.state.hints.countsByTarget().size === 0), L.settleMs * 2);
  for (let round = 1; round <= L.repairRoundsMax; round++) {
    await repairRound(cluster);
    await cluster.runFor(L.repairRoundMs);
    if (checkConvergence(cluster, keys).length === 0 && checkMerkle(cluster).length === 0) return round;
  }
  return L.repairRoundsMax;
}

/** One anti-entropy pass on every running node, concurrently; resolves when all are done. */
export async function repairRound(cluster: SimCluster): Promise<void> {
  await cluster.drive(Promise.all(cluster.running().map((n) => n.core.antiEntropy.repair())), 240_000);
}

function report(seed: number, profile: string, workload: WorkloadName, nodes: number, dcs: number, h: History, faults: FaultCounts, schedule: readonly FaultEvent[], repairRounds: number, anomalies: Anomaly[], cluster: SimCluster): RunReport {
  const count = (s: string): number => h.writes.filter((w) => w.status === s).length;
  const activity = zeroActivity();
  for (const node of cluster.nodes) addActivity(activity, node.activity());
  return {
    seed, profile, workload, nodes, dcs, ops: h.writes.length + h.reads, acked: count('ok'), indeterminate: count('indeterminate'), refused: count('refused'),
    readsFailed: h.readsFailed, faults, schedule, repairRounds, activity, anomalies,
    traceHash: cluster.sim.traceHash(), traceLines: cluster.sim.traceLength(), traceTail: cluster.sim.traceTail().slice(-L.traceSummaryLines), simMs: cluster.sim.clock.now(),
  };
}

/** A failure as a few lines: seed, profile, anomalies, schedule, trace tail. */
export function failureSummary(r: RunReport): string {
  return [
    `seed ${r.seed} profile ${r.profile} workload ${r.workload} nodes ${r.nodes}: ${r.anomalies.length} anomalies (replay: SEED=${r.seed} pnpm sim --profile ${r.profile} --nodes ${r.nodes}${r.dcs >= 2 ? ` --dcs ${r.dcs}` : ''})`,
    ...r.anomalies.slice(0, 10).map((a) => `  ${a.checker}${a.key === undefined ? '' : ` ${a.key}`}: ${a.detail}`),
    '  schedule:',
    ...r.schedule.map((e) => `    ${describe(e)}`),
    `  trace ${r.traceHash} (${r.traceLines} lines), last ${r.traceTail.length}:`,
    ...r.traceTail.map((l) => `    ${l}`),
  ].join('\n');
}
