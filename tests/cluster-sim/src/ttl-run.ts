/**
 * Expiry under skewed clocks (issue 18): one seeded run in which every node's
 * clock is off by a fixed offset drawn from the seed (up to ±`skewMs`),
 * clients put values with a ttl, each under a key of its own, and read them
 * back at random later moments through random nodes; then the cluster
 * quiets down and every node must read every key as expired.
 *
 * What skew does, exactly (node-server README, "Expiry"): a put accepted by
 * coordinator c at sim time w gets the deadline D = w + o_c + ttl on c's
 * clock (o = a node's offset). A read coordinated by node y merges the
 * replies at sim time m and hides the value iff m + o_y ≥ D, that is iff
 * m ≥ w + ttl + (o_c − o_y): the value lives ttl plus the writer's lead over
 * the reader, so it is hidden early by a reader ahead of the writer and
 * shown late by one behind it.
 *
 * Checks (each a `TtlAnomaly`), from what the client saw (put sent at s,
 * acknowledged at a; read sent at t0, answered at t1, so s ≤ w ≤ a and
 * t0 ≤ m ≤ t1):
 *   1. expired-returned: a read found the value though t0 + o_y ≥ a + o_c + ttl
 *      (the reader's clock was past the deadline whenever it merged).
 *   2. early-expiry: an ok read did not find an acknowledged value though
 *      t1 + o_max < s + o_c + ttl, o_max the largest offset: no node's clock
 *      had reached the deadline, so no replica could have collected the
 *      version and every reader still shows it. Exact because nothing else
 *      faults here: R + W > N on a stable ring, so the read meets a replica
 *      holding the write. (The reader's clock alone is not enough: once a
 *      replica whose clock is ahead passed the deadline and its grace, it
 *      collects the version, and a reader behind that merges replies from
 *      replicas that all collected it finds nothing: seed 1805 showed it.)
 *   3. still-visible: after the quiet period (every clock past every
 *      deadline), some node reads a ttl key as found.
 * Counted, not anomalies: reads that saw a value after a + ttl (late by
 * skew) or missed it before s + ttl (early by skew), and expired keys the
 * nodes collected.
 *
 * Invariant: same seed and options ⇒ same offsets, same trace, same report.
 */
import type { Rng } from '@ringkv/sim';
import { repairRound } from './run.js';
import type { Turn } from './cluster.js';
import { SimCluster } from './cluster.js';
import { ClusterSimError } from './errors.js';
import * as L from './limits.js';
import { registerValue } from './workload.js';
import type { SimClient } from './client.js';

/** What a ttl run is made of; all but `seed` and `turn` have defaults. */
export interface TtlRunOptions {
  readonly seed: number;
  readonly turn: Turn;
  /** 3 … 7; default 4. */
  readonly nodes?: number;
  readonly clients?: number;
  /** Keys (one put each) per client; default 12. */
  readonly keysPerClient?: number;
  /** Largest clock offset of a node, either way; default 3,000 ms. */
  readonly skewMs?: number;
}

/** One violated expiry rule (module comment). */
export interface TtlAnomaly {
  readonly rule: 'expired-returned' | 'early-expiry' | 'still-visible';
  readonly key: string;
  readonly detail: string;
}

/** The outcome of one ttl run. */
export interface TtlReport {
  readonly seed: number;
  readonly nodes: number;
  /** Each node's clock offset (ms). */
  readonly offsets: Readonly<Record<string, number>>;
  readonly puts: number;
  readonly acked: number;
  readonly reads: number;
  /** Reads that found the value after a + ttl: shown late because the reader's clock was behind the writer's. */
  readonly lateBySkew: number;
  /** Reads that missed the value before s + ttl: hidden early because the reader's clock was ahead of the writer's. */
  readonly earlyBySkew: number;
  /** Expired keys removed by the nodes' tombstone collectors (summed over nodes). */
  readonly collected: number;
  readonly anomalies: readonly TtlAnomaly[];
  readonly traceHash: string;
}

interface TtlPut {
  readonly key: string;
  readonly ttlMs: number;
  readonly sentAtMs: number;
  ackedAtMs?: number;
  coordinator?: string;
}

interface TtlRead {
  readonly put: TtlPut;
  readonly node: string;
  readonly sentAtMs: number;
  readonly doneAtMs: number;
  readonly found: boolean;
}

/** Shortest and longest ttl the clients give (ms). */
const ttlMsMin = 300;
const ttlMsSpread = 3_000;

/** Runs one seed (module comment). */
export async function runTtlSeed(o: TtlRunOptions): Promise<TtlReport> {
  const nodes = o.nodes ?? 4;
  if (!(nodes >= L.nodesMin && nodes <= L.nodesMax)) throw new ClusterSimError('invalid-argument', `nodes must be in [${L.nodesMin}, ${L.nodesMax}], got ${nodes}`);
  const skewMs = o.skewMs ?? 3_000;
  const cluster = new SimCluster({ seed: o.seed, nodes, clients: Math.min(o.clients ?? L.clientsDefault, L.clientsMax), turn: o.turn });
  const rng = cluster.sim.fork('ttl');
  try {
    if (!(await cluster.start())) throw new ClusterSimError('stuck', `the cluster did not form (seed ${o.seed})`);
    const offsets: Record<string, number> = {};
    for (const id of cluster.ids) {
      offsets[id] = rng.int(2 * skewMs + 1) - skewMs;
      cluster.node(id).nodeClock.setOffset(offsets[id] as number);
    }
    cluster.sim.record(`ttl offsets ${JSON.stringify(offsets)}`);
    // A forward jump can make a node look silent to the others for a moment: wait until everyone is up again.
    await cluster.runUntil(() => cluster.allSeeAllUp(), L.settleMs * 5);
    const puts: TtlPut[] = [];
    const reads: TtlRead[] = [];
    let finished = false;
    const keysPerClient = o.keysPerClient ?? 12;
    void Promise.all(cluster.clients.map((c) => ttlClient(cluster, c, keysPerClient, rng.fork(c.id), puts, reads))).then(() => (finished = true));
    await cluster.runUntil(() => finished, L.runMsMax / 2);
    if (!finished) throw new ClusterSimError('stuck', `the ttl workload did not finish (seed ${o.seed})`);
    // Quiet: every clock past every deadline, then anti-entropy and the collectors (grace is the hint ttl, 2 s).
    await cluster.runFor(ttlMsMin + ttlMsSpread + 2 * skewMs + L.settleMs);
    for (let round = 0; round < 3; round++) {
      await repairRound(cluster);
      await cluster.drive(Promise.all(cluster.running().map((n) => n.core.antiEntropy.sweepTombstones())), 60_000);
      await cluster.runFor(L.repairRoundMs);
    }
    const anomalies = [...checkReads(reads, offsets), ...checkQuiet(cluster, puts)];
    return {
      seed: o.seed, nodes, offsets, puts: puts.length, acked: puts.filter((p) => p.ackedAtMs !== undefined).length, reads: reads.length,
      lateBySkew: reads.filter((r) => r.found && r.put.ackedAtMs !== undefined && r.sentAtMs > r.put.ackedAtMs + r.put.ttlMs).length,
      earlyBySkew: reads.filter((r) => !r.found && r.put.ackedAtMs !== undefined && r.doneAtMs < r.put.sentAtMs + r.put.ttlMs).length,
      collected: cluster.running().reduce((n, node) => n + node.core.antiEntropy.tombstones.stats.collected, 0),
      anomalies, traceHash: cluster.sim.traceHash(),
    };
  } finally {
    cluster.stop();
  }
}

async function ttlClient(cluster: SimCluster, client: SimClient, keys: number, rng: Rng, puts: TtlPut[], reads: TtlRead[]): Promise<void> {
  const ids = cluster.ids;
  for (let i = 0; i < keys; i++) {
    await cluster.sleep(rng.int(L.thinkMsMax + 1));
    const put: TtlPut = { key: `ttl-${client.id}-${i}`, ttlMs: ttlMsMin + rng.int(ttlMsSpread), sentAtMs: cluster.sim.clock.now() };
    puts.push(put);
    const outcome = await client.request(rng.pick(ids), { type: 'put', key: put.key, value: registerValue(put.key), ttlMs: put.ttlMs }, { receipt: true });
    cluster.sim.record(`${client.id} put ${put.key} ttl ${put.ttlMs} ${outcome.kind}`);
    if (outcome.kind !== 'ok' || outcome.reply.type !== 'put-ok') continue;
    put.ackedAtMs = cluster.sim.clock.now();
    put.coordinator = outcome.reply.receipt?.coordinator;
    // Reads spread from just after the ack to past the deadline (and the skew) of the value.
    for (let r = 0; r < 3; r++) {
      await cluster.sleep(rng.int(put.ttlMs + 1));
      const node = rng.pick(ids);
      const sentAtMs = cluster.sim.clock.now();
      const read = await client.request(node, { type: 'get', key: put.key });
      if (read.kind !== 'ok' || read.reply.type !== 'get-ok') continue;
      reads.push({ put, node, sentAtMs, doneAtMs: cluster.sim.clock.now(), found: read.reply.found });
    }
  }
}

/** Rules 1 and 2 (module comment). */
function checkReads(reads: readonly TtlRead[], offsets: Readonly<Record<string, number>>): TtlAnomaly[] {
  const out: TtlAnomaly[] = [];
  const oMax = Math.max(...Object.values(offsets));
  for (const r of reads) {
    const p = r.put;
    if (p.ackedAtMs === undefined || p.coordinator === undefined) continue;
    const oc = offsets[p.coordinator] ?? 0;
    const oy = offsets[r.node] ?? 0;
    const at = `read via ${r.node} (offset ${oy}) at [${r.sentAtMs}, ${r.doneAtMs}] of a put via ${p.coordinator} (offset ${oc}) at [${p.sentAtMs}, ${p.ackedAtMs}] ttl ${p.ttlMs}`;
    if (r.found && r.sentAtMs + oy >= p.ackedAtMs + oc + p.ttlMs) out.push({ rule: 'expired-returned', key: p.key, detail: `${at}: found after its deadline` });
    if (!r.found && r.doneAtMs + oMax < p.sentAtMs + oc + p.ttlMs) out.push({ rule: 'early-expiry', key: p.key, detail: `${at}: not found before any clock reached its deadline` });
  }
  return out;
}

/** Rule 3: every running node, by its own clock, reads every ttl key as absent. */
function checkQuiet(cluster: SimCluster, puts: readonly TtlPut[]): TtlAnomaly[] {
  const out: TtlAnomaly[] = [];
  for (const node of cluster.running()) {
    const now = node.nodeClock.now();
    for (const p of puts) {
      if (node.state.store.read(p.key, now).found) out.push({ rule: 'still-visible', key: p.key, detail: `${node.id} still reads it at ${now} on its clock` });
    }
  }
  return out;
}

/** A failing ttl run as a few lines, with the command that replays it. */
export function ttlFailureSummary(r: TtlReport): string {
  return [
    `ttl seed ${r.seed} nodes ${r.nodes} offsets ${JSON.stringify(r.offsets)}: ${r.anomalies.length} anomalies (replay: SEED=${r.seed} pnpm sim --ttl --nodes ${r.nodes})`,
    ...r.anomalies.slice(0, 10).map((a) => `  ${a.rule} ${a.key}: ${a.detail}`),
  ].join('\n');
}
