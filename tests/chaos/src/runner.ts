/**
 * One chaos run: start the cluster behind its proxies, run the set workload
 * while the nemesis replays the seed's fault schedule, heal, converge, read
 * every key back and check.
 *
 * Invariants:
 *   1. Bounded: the run aborts (`deadline`) after `durationMs +
 *      runOverheadMsMax`; an aborted or failed run still tears down.
 *   2. No orphans: teardown stops every node (SIGTERM, then SIGKILL) and
 *      closes every proxy and client, whatever ended the run; the CLI adds
 *      a synchronous SIGKILL of every child on process exit.
 *   3. The work directory (data, node logs) is removed after a valid run and
 *      kept after an invalid or aborted one (`keepWorkDir` keeps it always).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSets, type SetCheck } from './checker.js';
import { ChaosCluster, membersAgree } from './cluster.js';
import { converge, finalReads, sleep, type ConvergenceReport } from './converge.js';
import { ChaosError } from './errors.js';
import * as L from './limits.js';
import { Nemesis } from './nemesis.js';
import { describeFault, faultKinds, makeSchedule, type FaultKind } from './schedule.js';
import { SetWorkload } from './workload.js';

/** What to run. Only `durationMs` is required. */
export interface ChaosOptions {
  /** Nodes (default 5, `nodesMin`…`nodesMax`). */
  readonly nodes?: number;
  /** Workload clients (default 4, 1…`clientsMax`). */
  readonly clients?: number;
  /** Keys of the set workload (default 16, 1…`keysMax`). */
  readonly keys?: number;
  /** Length of the fault phase, in ms (`durationSMin`…`durationSMax` seconds). */
  readonly durationMs: number;
  /** Seeds the fault schedule and the clients' key choices (default 1). */
  readonly seed?: number;
  /** Fault kinds to draw from (default `defaultFaultKinds`: all but `restart`). */
  readonly kinds?: readonly FaultKind[];
  /** Kills and pauses overlap the network faults (a lane of their own; default false). */
  readonly overlap?: boolean;
  /** Where data and logs go (default a fresh directory under the OS temp dir). */
  readonly workDir?: string;
  readonly keepWorkDir?: boolean;
  /** Progress lines (default none). */
  readonly log?: (line: string) => void;
  /** Last octets of node 1's and proxy 1's loopback addresses (default 11 and 21). */
  readonly nodeIpBase?: number;
  readonly proxyIpBase?: number;
  /** Gossip round of the nodes, in ms (default `nodeGossipIntervalMs`). */
  readonly gossipIntervalMs?: number;
  /** Aborts the run (`interrupted`): the CLI wires SIGINT/SIGTERM to it. */
  readonly signal?: AbortSignal;
}

/** What a run did and found. */
export interface ChaosReport {
  readonly valid: boolean;
  readonly seed: number;
  readonly overlap: boolean;
  readonly nodes: number;
  readonly clients: number;
  readonly keys: number;
  readonly durationMs: number;
  /** Whole run, start-up to teardown, in ms. */
  readonly wallMs: number;
  /** Adds recorded plus reads that failed (an add whose read failed never wrote). */
  readonly ops: number;
  readonly readsFailed: number;
  readonly check: SetCheck;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly faultLog: readonly string[];
  readonly connectionsCut: number;
  /** The repair rounds run after each wipe (the operator's procedure): keys repaired, nodes whose pass failed. */
  readonly wipeRepairs: readonly { readonly keysRepaired: number; readonly errors: number }[];
  readonly restartFailures: readonly string[];
  /** Node processes that exited without being killed or stopped (crashes). */
  readonly unexpectedExits: number;
  /**
   * Adds answered `quorum-not-met`. A run whose faults are all `restart`
   * keeps a majority of every key's replicas up throughout, so any is a
   * failure there (issue 15: writes failed for seconds after a restart).
   */
  readonly quorumNotMetAdds: number;
  readonly convergence: ConvergenceReport;
  /** Cluster counters summed over every node's lives, taken before the final reads (`counterNames`). */
  readonly counters: Readonly<Record<string, number>>;
  /** The kept work directory (data and node logs), if kept. */
  readonly workDir: string | undefined;
}

interface Resolved {
  nodes: number;
  clients: number;
  keys: number;
  seed: number;
  durationMs: number;
}

function intIn(name: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) throw new ChaosError('invalid-option', `${name} must be an integer in ${lo}…${hi}, got ${value}`);
  return value;
}

/** Validates the options. Errors: `invalid-option`. */
export function resolveChaosOptions(o: ChaosOptions): Resolved {
  const durationMs = o.durationMs;
  if (!Number.isFinite(durationMs) || durationMs < L.durationSMin * 1000 || durationMs > L.durationSMax * 1000) {
    throw new ChaosError('invalid-option', `duration must be ${L.durationSMin}…${L.durationSMax} s, got ${durationMs / 1000} s`);
  }
  return {
    nodes: intIn('nodes', o.nodes ?? 5, L.nodesMin, L.nodesMax),
    clients: intIn('clients', o.clients ?? 4, 1, L.clientsMax),
    keys: intIn('keys', o.keys ?? 16, 1, L.keysMax),
    seed: intIn('seed', o.seed ?? 1, 0, 0xffff_ffff),
    durationMs,
  };
}

/** Starts every node and waits until each sees all members normal. */
async function startCluster(cluster: ChaosCluster, signal: AbortSignal): Promise<void> {
  await Promise.all(cluster.nodes.map((n) => n.start()));
  const start = Date.now();
  while (!membersAgree(await cluster.statuses(), cluster.ids)) {
    if (Date.now() - start > L.convergeTimeoutMs) throw new ChaosError('not-converged', 'the nodes did not agree on their members after start');
    await sleep(L.pollIntervalMs, signal);
  }
}

/** Replays the schedule in real time from now: each lane in order, the lanes side by side. */
async function runFaults(nemesis: Nemesis, r: Resolved, o: ChaosOptions, faults: Record<FaultKind, number>, faultLog: string[], signal: AbortSignal): Promise<void> {
  const phaseStart = Date.now();
  const at = (ms: number): Promise<void> => sleep(Math.max(0, phaseStart + ms - Date.now()), signal);
  const events = makeSchedule({ seed: r.seed, durationMs: r.durationMs, nodes: Array.from({ length: r.nodes }, (_, i) => `n${i + 1}`), kinds: o.kinds, overlap: o.overlap });
  const runLane = async (lane: 0 | 1): Promise<void> => {
    for (const e of events.filter((x) => x.lane === lane)) {
      await at(e.atMs);
      const line = describeFault(e);
      faultLog.push(line);
      o.log?.(`fault ${line}`);
      await nemesis.apply(e);
      faults[e.kind]++;
      await at(e.atMs + e.holdMs);
      await nemesis.heal(e);
    }
  };
  await Promise.all([runLane(0), runLane(1)]);
  await at(r.durationMs);
}

/**
 * Runs chaos against real node processes (module comment).
 *
 * Resolves with the report, valid or not (anomalies are results).
 * Errors (ChaosError): `invalid-option`, `node-failed` (a node did not
 * start at all), `proxy-failed`, `not-converged` (no agreement at start),
 * `deadline`, `interrupted`. Every child is gone when it settles.
 * Gotcha: needs the built package (`node-main.js` runs in the children) and
 * Linux (loopback addresses beyond 127.0.0.1).
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const r = resolveChaosOptions(o);
  const started = Date.now();
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'ringkv-chaos-'));
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(new ChaosError('deadline', `the run passed its bound of ${(r.durationMs + L.runOverheadMsMax) / 1000} s`)), r.durationMs + L.runOverheadMsMax);
  const onOuterAbort = (): void => abort.abort(new ChaosError('interrupted', 'interrupted'));
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (o.signal?.aborted === true) onOuterAbort();
  let parts: { cluster: ChaosCluster; workload: SetWorkload; nemesis: Nemesis } | undefined;
  let valid = false;
  try {
    const diskFull = o.kinds?.includes('disk-full') === true;
    const cluster = await ChaosCluster.create({ nodes: r.nodes, workDir, nodeIpBase: o.nodeIpBase, proxyIpBase: o.proxyIpBase, gossipIntervalMs: o.gossipIntervalMs, diskFull });
    parts = { cluster, workload: new SetWorkload({ seeds: cluster.clientSeeds, clients: r.clients, keys: r.keys, seed: r.seed }), nemesis: new Nemesis(cluster) };
    const report = await phases(r, o, parts, workDir, abort.signal);
    valid = report.valid;
    return { ...report, wallMs: Date.now() - started };
  } catch (error) {
    throw abort.signal.aborted ? abort.signal.reason : error;
  } finally {
    clearTimeout(deadline);
    o.signal?.removeEventListener('abort', onOuterAbort);
    parts?.nemesis.dispose();
    await parts?.workload.stop();
    await parts?.cluster.close();
    if (valid && o.keepWorkDir !== true) rmSync(workDir, { recursive: true, force: true });
  }
}

/** Start, workload under faults, heal, convergence, final reads, check (`wallMs` is set by the caller). */
async function phases(r: Resolved, o: ChaosOptions, p: { cluster: ChaosCluster; workload: SetWorkload; nemesis: Nemesis }, workDir: string, signal: AbortSignal): Promise<ChaosReport> {
  const { cluster, workload, nemesis } = p;
  o.log?.(`starting ${r.nodes} nodes (data and logs in ${workDir})`);
  await startCluster(cluster, signal);
  o.log?.(`cluster up; ${r.clients} clients on ${r.keys} keys, faults for ${r.durationMs / 1000} s (seed ${r.seed})`);
  await workload.start();
  const faults = Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>;
  const faultLog: string[] = [];
  await runFaults(nemesis, r, o, faults, faultLog, signal);
  await workload.stop();
  o.log?.(`fault phase over: ${workload.adds.length} adds; healing`);
  await nemesis.healAll();
  const convergence = await converge(cluster, signal);
  o.log?.(`convergence: ${convergence.converged ? 'ok' : convergence.problems.join('; ')}`);
  const counters = await cluster.counterTotals();
  const check = checkSets(workload.adds, await finalReads(cluster, workload.keysUsed(), signal));
  const unexpectedExits = cluster.nodes.reduce((a, n) => a + n.unexpectedExits, 0);
  const quorumNotMetAdds = workload.adds.filter((a) => a.code === 'quorum-not-met').length;
  const restartsOnly = Object.entries(faults).every(([kind, n]) => kind === 'restart' || n === 0);
  const valid = check.valid && convergence.converged && nemesis.restartFailures.length === 0 && unexpectedExits === 0 && !(restartsOnly && quorumNotMetAdds > 0);
  return {
    valid, ...r, overlap: o.overlap === true, wallMs: 0, ops: workload.adds.length + workload.stats.readsFailed, readsFailed: workload.stats.readsFailed,
    check, counters, faults, faultLog, connectionsCut: nemesis.connectionsCut, wipeRepairs: nemesis.wipeRepairs, restartFailures: nemesis.restartFailures, unexpectedExits, quorumNotMetAdds, convergence,
    workDir: valid && o.keepWorkDir !== true ? undefined : workDir,
  };
}
