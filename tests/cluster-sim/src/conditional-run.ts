/**
 * Conditional writes under faults (issue 18): one seeded run of clients
 * racing conditional writes while the nemesis applies a profile's faults,
 * and a checker that counts how often a condition was wrongly granted.
 * ringkv checks a condition on W replicas without consensus (node-server
 * README, "Conditional writes"), so wrong grants are expected under faults
 * and concurrency; this measures how often.
 *
 * Workload: each client, op by op, alternates
 *   - ifAbsent: a put of a unique value to key `a<j>`, j = op index / 2, so
 *     every client tries each such key once, at about the same time;
 *   - ifMatch: a get of `m0` or `m1`, then a put of a unique value with the
 *     context read and ifMatch (with a receipt, for the write's dot).
 *
 * Counted (`ConditionCounts`):
 *   - ifAbsent granted: acknowledged ifAbsent puts. Wrongly granted: all
 *     but the first acknowledged one of each key (the key only ever gets
 *     ifAbsent puts and no deletes, so a correct check grants one per key).
 *   - ifMatch granted: acknowledged ifMatch puts. Wrongly granted: an
 *     acknowledged one concurrent with an earlier-acknowledged one (neither
 *     context covers the other's dot): both replaced the same version, so
 *     the later one's condition did not hold when it was written.
 * Anomalies (rules that hold whatever the faults):
 *   - a value whose write was refused with condition-failed (nothing
 *     written) is in the final set of its key;
 *   - an acknowledged ifMatch write carries no dot (the checker cannot judge it).
 *
 * Invariant: same seed and options ⇒ same schedule, same trace, same report.
 */
import type { Rng } from '@ringkv/sim';
import { decodeContext, type VClock } from '@ringkv/vclock';
import { finalSet } from './checkers.js';
import type { SimClient } from './client.js';
import { SimCluster, type Turn } from './cluster.js';
import { ClusterSimError } from './errors.js';
import * as L from './limits.js';
import { Nemesis, planFaults, profileKinds, type FaultCounts } from './nemesis.js';
import { repairRound } from './run.js';
import { decodeRegister, dotOf, registerValue } from './workload.js';

/** What a conditional run is made of; all but `seed` and `turn` have defaults. */
export interface ConditionalRunOptions {
  readonly seed: number;
  readonly turn: Turn;
  /** A fault profile (nemesis.ts); default `all`. `none` injects nothing. */
  readonly profile?: string;
  readonly nodes?: number;
  readonly clients?: number;
  readonly opsPerClient?: number;
  readonly faults?: number;
}

/** How many conditional writes were granted, wrongly granted and refused (module comment). */
export interface ConditionCounts {
  ifAbsentGranted: number;
  ifAbsentWronglyGranted: number;
  ifMatchGranted: number;
  ifMatchWronglyGranted: number;
  /** Refused with condition-failed (either condition). */
  refused: number;
  /** Neither granted nor refused: timeout, quorum-not-met, unavailable… (may or may not have been written). */
  indeterminate: number;
}

/** The outcome of one conditional run. */
export interface ConditionalReport {
  readonly seed: number;
  readonly profile: string;
  readonly nodes: number;
  readonly counts: ConditionCounts;
  readonly faults: FaultCounts;
  readonly anomalies: readonly { readonly key: string; readonly detail: string }[];
  readonly traceHash: string;
}

interface CondWrite {
  readonly key: string;
  readonly value: string;
  readonly kind: 'if-absent' | 'if-match';
  readonly context: VClock;
  status: 'granted' | 'refused' | 'indeterminate';
  dot?: { readonly actor: string; readonly counter: number };
  ackedAtMs?: number;
}

/** The counts of no run. */
export function zeroConditionCounts(): ConditionCounts {
  return { ifAbsentGranted: 0, ifAbsentWronglyGranted: 0, ifMatchGranted: 0, ifMatchWronglyGranted: 0, refused: 0, indeterminate: 0 };
}

/** Runs one seed (module comment). */
export async function runConditionalSeed(o: ConditionalRunOptions): Promise<ConditionalReport> {
  const profile = o.profile ?? 'all';
  const nodes = o.nodes ?? 3 + (o.seed % 3);
  if (!(nodes >= L.nodesMin && nodes <= L.nodesMax)) throw new ClusterSimError('invalid-argument', `nodes must be in [${L.nodesMin}, ${L.nodesMax}], got ${nodes}`);
  const cluster = new SimCluster({ seed: o.seed, nodes, clients: Math.min(o.clients ?? L.clientsDefault, L.clientsMax), turn: o.turn });
  const rng = cluster.sim.fork('conditional');
  const kinds = profile === 'none' ? [] : profileKinds(profile);
  const schedule = kinds.length === 0 ? [] : planFaults(rng.fork('nemesis'), kinds, cluster.ids, cluster.clients.map((c) => c.id), o.faults ?? L.nemesisEventsDefault, L.nemesisWindowMs);
  try {
    if (!(await cluster.start())) throw new ClusterSimError('stuck', `the cluster did not form (seed ${o.seed})`);
    const nemesis = new Nemesis(cluster);
    nemesis.schedule(schedule);
    const writes: CondWrite[] = [];
    let finished = false;
    const ops = Math.min(o.opsPerClient ?? L.opsPerClientDefault, L.opsPerClientMax);
    void Promise.all(cluster.clients.map((c) => conditionalClient(cluster, c, ops, rng.fork(c.id), writes))).then(() => (finished = true));
    await cluster.runUntil(() => finished && nemesis.done, L.runMsMax / 2);
    if (!finished) throw new ClusterSimError('stuck', `the conditional workload did not finish (seed ${o.seed})`);
    await nemesis.healAll();
    await cluster.runUntil(() => cluster.allSeeAllUp(), L.settleMs * 5);
    await cluster.runFor(cluster.settings.requestTimeoutMs + L.clientTimeoutMs);
    for (let round = 0; round < 2; round++) {
      await repairRound(cluster);
      await cluster.runFor(L.repairRoundMs);
    }
    return { seed: o.seed, profile, nodes, counts: countGrants(writes), faults: nemesis.injected, anomalies: checkRefused(cluster, writes), traceHash: cluster.sim.traceHash() };
  } finally {
    cluster.stop();
  }
}

async function conditionalClient(cluster: SimCluster, client: SimClient, ops: number, rng: Rng, writes: CondWrite[]): Promise<void> {
  const ids = cluster.ids;
  for (let i = 0; i < ops; i++) {
    await cluster.sleep(rng.int(L.thinkMsMax + 1));
    const value = `${client.id}-${i}`;
    if (i % 2 === 0) {
      const w: CondWrite = { key: `a${i >> 1}`, value, kind: 'if-absent', context: [], status: 'indeterminate' };
      writes.push(w);
      settle(cluster, w, await client.request(rng.pick(ids), { type: 'put', key: w.key, value: registerValue(value), ifAbsent: true }, { receipt: true }));
      continue;
    }
    const key = `m${rng.int(2)}`;
    const read = await client.request(rng.pick(ids), { type: 'get', key });
    if (read.kind !== 'ok' || read.reply.type !== 'get-ok') continue;
    const context = read.reply.context;
    const w: CondWrite = { key, value, kind: 'if-match', context: context.length === 0 ? [] : decodeContext(context), status: 'indeterminate' };
    writes.push(w);
    settle(cluster, w, await client.request(rng.pick(ids), { type: 'put', key, value: registerValue(value), context, ifMatch: true }, { receipt: true }));
  }
}

function settle(cluster: SimCluster, w: CondWrite, outcome: Awaited<ReturnType<SimClient['request']>>): void {
  if (outcome.kind === 'ok' && outcome.reply.type === 'put-ok') {
    w.status = 'granted';
    w.ackedAtMs = cluster.sim.clock.now();
    const receipt = outcome.reply.receipt;
    // The write's context is the coordinator's read for ifAbsent: the dot is the coordinator's entry that moved past the client's.
    if (receipt !== undefined) w.dot = dotOf(receipt.coordinator, decodeContext(outcome.reply.context), w.context);
  } else if (outcome.kind === 'error' && outcome.code === 'condition-failed') w.status = 'refused';
  cluster.sim.record(`${w.kind} ${w.key} ${w.value} ${w.status}`);
}

function covers(context: VClock, dot: { actor: string; counter: number }): boolean {
  return context.some((e) => e.actor === dot.actor && e.counter >= dot.counter);
}

/** The counts of module comment. */
export function countGrants(writes: readonly CondWrite[]): ConditionCounts {
  const c = zeroConditionCounts();
  const firstGrant = new Set<string>();
  const granted = writes.filter((w) => w.status === 'granted').sort((x, y) => (x.ackedAtMs ?? 0) - (y.ackedAtMs ?? 0));
  for (const w of granted) {
    if (w.kind === 'if-absent') {
      c.ifAbsentGranted++;
      if (firstGrant.has(w.key)) c.ifAbsentWronglyGranted++;
      firstGrant.add(w.key);
      continue;
    }
    c.ifMatchGranted++;
    const dot = w.dot;
    const earlier = granted.filter((o) => o !== w && o.kind === 'if-match' && o.key === w.key && (o.ackedAtMs ?? 0) <= (w.ackedAtMs ?? 0));
    if (dot !== undefined && earlier.some((o) => o.dot !== undefined && !covers(w.context, o.dot) && !covers(o.context, dot))) c.ifMatchWronglyGranted++;
  }
  for (const w of writes) {
    if (w.status === 'refused') c.refused++;
    else if (w.status === 'indeterminate') c.indeterminate++;
  }
  return c;
}

/** The anomalies of module comment: refused values present, granted ifMatch writes without a dot. */
function checkRefused(cluster: SimCluster, writes: readonly CondWrite[]): { key: string; detail: string }[] {
  const out: { key: string; detail: string }[] = [];
  const refused = new Set(writes.filter((w) => w.status === 'refused').map((w) => `${w.key}/${w.value}`));
  for (const key of new Set(writes.map((w) => w.key))) {
    for (const e of finalSet(cluster, key).entries) {
      for (const p of e.versions) {
        if (p.tombstone) continue;
        const text = decodeRegister(p.value instanceof Uint8Array ? p.value : p.value.m);
        if (refused.has(`${key}/${text}`)) out.push({ key, detail: `${text} was refused with condition-failed but is stored` });
      }
    }
  }
  for (const w of writes) if (w.kind === 'if-match' && w.status === 'granted' && w.dot === undefined) out.push({ key: w.key, detail: `granted ifMatch write ${w.value} carries no dot` });
  return out;
}

/** The wrongly-granted rates of summed counts, as `ifAbsent x/y (p %), ifMatch x/y (p %)`. */
export function formatConditionRates(c: ConditionCounts): string {
  const pct = (x: number, y: number): string => (y === 0 ? '-' : `${((100 * x) / y).toFixed(1)} %`);
  return `ifAbsent wrongly granted ${c.ifAbsentWronglyGranted}/${c.ifAbsentGranted} (${pct(c.ifAbsentWronglyGranted, c.ifAbsentGranted)}), ifMatch wrongly granted ${c.ifMatchWronglyGranted}/${c.ifMatchGranted} (${pct(c.ifMatchWronglyGranted, c.ifMatchGranted)}), refused ${c.refused}, indeterminate ${c.indeterminate}`;
}
