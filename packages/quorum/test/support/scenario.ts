/**
 * The randomized cluster scenario shared by the property tests: random writes
 * and reads from several clients through random coordinators, under kills,
 * restarts, partitions and loss; then healing, hint replay and a read-all pass.
 * Everything is drawn from the seed, so a failure replays with SEED=….
 */
import { seedNote } from '@ringkv/sim';
import { context, equals, get, values, type Dot, type VClock } from '@ringkv/vclock';
import type { WriteResult } from '@ringkv/quorum';
import { advance, settle } from './drive.js';
import { SimCluster } from './sim-cluster.js';

/** One write as the test issued it and what came back. */
export interface WriteRecord {
  readonly key: string;
  readonly value: string;
  readonly context: VClock;
  result?: WriteResult<string>;
}

export interface ScenarioReport {
  readonly writes: readonly WriteRecord[];
  readonly ok: number;
  readonly indeterminate: number;
  readonly notMet: number;
  readonly reads: number;
  readonly kills: number;
  readonly partitions: number;
  readonly hintsReplayed: number;
  readonly readRepairs: number;
  /** The simulation's trace hash: equal for equal seeds. */
  readonly traceHash: string;
}

export interface ScenarioOptions {
  readonly size?: number;
  readonly keys?: number;
  readonly chaosMs?: number;
  readonly mode?: 'sloppy' | 'strict';
}

/** Runs the scenario and checks the convergence properties; throws with the seed on a violation. */
export async function runScenario(seed: number, options: ScenarioOptions = {}): Promise<ScenarioReport> {
  const cluster = new SimCluster({ seed, size: options.size ?? 5, defaults: { timeoutMs: 1_000, mode: options.mode ?? 'sloppy' } });
  const rng = cluster.sim.fork('scenario');
  const keys = Array.from({ length: options.keys ?? 6 }, (_, i) => `k${i}`);
  const clients = ['c0', 'c1', 'c2'];
  const contexts = new Map<string, VClock>();
  const writes: WriteRecord[] = [];
  const counts = { reads: 0, kills: 0, partitions: 0 };
  cluster.startAll();
  await advance(cluster, 3_000);

  const alive = (): string[] => cluster.ids.filter((id) => cluster.isAlive(id));
  const chaosEnd = cluster.clock.now() + (options.chaosMs ?? 20_000);
  while (cluster.clock.now() < chaosEnd) {
    const roll = rng.next();
    const key = rng.pick(keys);
    const client = rng.pick(clients);
    if (roll < 0.5) {
      const coordinators = cluster.ring.preferenceList(key, 3).filter((id) => cluster.isAlive(id));
      if (coordinators.length > 0) {
        const record: WriteRecord = { key, value: `w${writes.length}`, context: contexts.get(`${client}/${key}`) ?? [] };
        writes.push(record);
        void cluster.node(rng.pick(coordinators)).coordinator.put(key, record.value, { context: record.context }).then((r) => (record.result = r));
      }
    } else if (roll < 0.75) {
      counts.reads++;
      void cluster.node(rng.pick(alive())).coordinator.get(key).then((r) => {
        if (r.status === 'ok') contexts.set(`${client}/${key}`, r.context);
      });
    } else if (roll < 0.82) {
      if (alive().length > 2) {
        counts.kills++;
        cluster.kill(rng.pick(alive()));
      }
    } else if (roll < 0.9) {
      const dead = cluster.ids.filter((id) => !cluster.isAlive(id));
      if (dead.length > 0) cluster.start(rng.pick(dead));
    } else if (roll < 0.94) {
      counts.partitions++;
      const shuffled = rng.shuffle(cluster.ids.slice());
      const cut = rng.between(1, shuffled.length - 1);
      cluster.sim.network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else if (roll < 0.97) {
      cluster.sim.network.heal();
    } else {
      cluster.sim.network.setDefaultLink({ lossRate: rng.chance(0.5) ? 0 : 0.1 });
    }
    await advance(cluster, rng.between(20, 200));
  }

  // Heal everything, restart every node, and wait for liveness and hint replay.
  cluster.sim.network.heal();
  cluster.sim.network.setDefaultLink({ lossRate: 0 });
  for (const id of cluster.ids) if (!cluster.isAlive(id)) cluster.start(id);
  const healedBy = cluster.clock.now() + 120_000;
  while (cluster.clock.now() < healedBy && !(cluster.livenessAgrees() && (await cluster.hintsPending()) === 0)) await advance(cluster, 500);
  const note = seedNote(seed);
  if ((await cluster.hintsPending()) !== 0) throw new Error(`hints still pending after healing ${note}`);

  // A read-all pass (R = N = 3) repairs what hints did not carry (lost messages to live nodes).
  for (const key of keys) {
    const coordinator = cluster.node(cluster.ring.preferenceList(key, 3)[0] as string).coordinator;
    const read = await settle(cluster, coordinator.get(key, { r: 3 }));
    if (read.status !== 'ok') throw new Error(`read-all of ${key} gave ${read.status} ${note}`);
  }
  await advance(cluster, 2_000);

  checkConvergence(cluster, keys, note);
  checkNoLostWrite(cluster, writes, note);
  let hintsReplayed = 0;
  let readRepairs = 0;
  for (const node of cluster.nodes.values()) {
    hintsReplayed += node.handoff.stats.replayed;
    readRepairs += node.coordinator.stats().readRepairs;
  }
  const status = (s: string): number => writes.filter((w) => w.result?.status === s).length;
  return { writes, ok: status('ok'), indeterminate: status('indeterminate'), notMet: status('quorum-not-met'), ...counts, hintsReplayed, readRepairs, traceHash: cluster.sim.traceHash() };
}

/** Every primary of a key holds the same set. */
function checkConvergence(cluster: SimCluster, keys: readonly string[], note: string): void {
  for (const key of keys) {
    const [first, ...rest] = cluster.ring.preferenceList(key, 3).map((id) => cluster.stored(id, key));
    for (const other of rest) {
      if (!equals(context(first!), context(other)) || JSON.stringify(first) !== JSON.stringify(other)) {
        throw new Error(`replicas of ${key} disagree: ${JSON.stringify(first)} vs ${JSON.stringify(other)} ${note}`);
      }
    }
  }
}

/** Every write acknowledged ok is still a sibling, or a later write's context saw it. */
function checkNoLostWrite(cluster: SimCluster, writes: readonly WriteRecord[], note: string): void {
  const applied = writes.filter((w) => w.result?.dot !== undefined || w.result?.status === 'indeterminate');
  for (const w of writes) {
    if (w.result?.status !== 'ok') continue;
    const dot = w.result.dot;
    const final = cluster.stored(cluster.ring.preferenceList(w.key, 3)[0] as string, w.key);
    const present = values(final).some((s) => sameDot(s.dot, dot) && !s.tombstone && s.value === w.value);
    const covered = applied.some((y) => y.key === w.key && y !== w && get(y.context, dot.actor) >= dot.counter);
    if (!present && !covered) throw new Error(`ok write ${w.value} of ${w.key} (dot ${dot.actor}:${dot.counter}) was lost ${note}`);
    if (get(context(final), dot.actor) < dot.counter) throw new Error(`the context of ${w.key} forgot ${w.value} ${note}`);
  }
}

function sameDot(a: Dot, b: Dot): boolean {
  return a.actor === b.actor && a.counter === b.counter;
}
