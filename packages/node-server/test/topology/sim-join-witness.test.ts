/**
 * Regression (review of issue 7): a joiner streamed after a fixed number of
 * gossip rounds, so a coordinator that had not yet learned it was joining
 * kept writing without it (pending replicas come from the coordinator's own
 * view), and keys in ranges the stream had passed reached it only through
 * anti-entropy. Now it streams once every live member showed it knows.
 * Under @ringkv/sim: c hears no gossip for the first 2 s of the join (its
 * peer calls still work), while every write goes through c.
 */
import { WireCodec } from '@ringkv/protocol';
import { Rng, seedNote, Simulation, testSeed } from '@ringkv/sim';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import { assembleNodeCore, openNodeState, type NodeCore, type StorageEngine } from '../../src/index.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { openMemoryEngine } from '../support/memory-engine.js';
import { simPorts } from '../support/sim-ports.js';
import { joinWitnessRoundsMax } from '../../src/topology/limits.js';
import { ringOf } from './support.js';

const seed = testSeed(0x5177);
const settings: ClusterSettings = { n: 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs: 3_600_000, seeds: ['a'], clusterName: 'ringkv' };
const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const deaf = new Set<string>();

/** Passes gossip message `m` on without anything about member d (nothing at all when d sent it). */
function withoutD(m: unknown, deliver: (m: unknown) => void): void {
  const g = m as { f?: string; d?: [string, number, number][]; r?: [string, number, number][]; u?: { i: string }[] };
  if (g.f === 'd') return;
  deliver({ ...g, ...(g.d ? { d: g.d.filter((x) => x[0] !== 'd') } : {}), ...(g.r ? { r: g.r.filter((x) => x[0] !== 'd') } : {}), ...(g.u ? { u: g.u.filter((x) => x.i !== 'd') } : {}) });
}

async function startCore(sim: Simulation, id: string, engine: StorageEngine, join: boolean): Promise<NodeCore> {
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  // A node in `deaf` hears nothing of d: gossip from d is dropped and d's entries are cut out of the rest (peer calls still pass).
  const transport = {
    send: ports.transport.send,
    onMessage: (h: (from: string, m: unknown) => void) => ports.transport.onMessage((from, m) => (deaf.has(id) ? withoutD(m, (x) => h(from, x)) : h(from, m))),
  };
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 30, bucketsLog2: 10, tombstoneGraceMs: 864_000_000 },
    clock: sim.clock, random: sim.fork(`node:${id}`), transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
    // Slow streams: the join lasts seconds, so writes land behind the stream's cursor.
    topology: { join, streamBytesPerSec: 8 * 1024 },
  });
  ports.serveWith((from, call) => node.cluster.onCall(from, call as Parameters<NodeCore['cluster']['onCall']>[1]));
  void node.start();
  return node;
}

async function run(sim: Simulation, ms: number, until: () => boolean = () => false): Promise<boolean> {
  for (let t = 0; t < ms && !until(); t += 10) {
    sim.advance(10);
    await flush();
  }
  return until();
}

/** a, b, c agreed, 200 keys written through c; `write` sends one more through c (acknowledged keys go to `acked`). */
let runs = 0;

async function threeNodes() {
  const instance = runs++;
  const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 5 } });
  const rng = new Rng(seed);
  const engines = new Map<string, StorageEngine>();
  for (const id of ['a', 'b', 'c', 'd']) engines.set(id, await openMemoryEngine(`witness-sim-${seed}-${instance}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 }));
  const nodes = new Map<string, NodeCore>();
  for (const id of ['a', 'b', 'c']) nodes.set(id, await startCore(sim, id, engines.get(id) as StorageEngine, false));
  expect(await run(sim, 10_000, () => [...nodes.values()].every((n) => n.cluster.view.ring.size === 3)), seedNote(seed)).toBe(true);
  const c = nodes.get('c') as NodeCore;
  const acked = new Set<string>();
  const write = (key: string): void =>
    void c.cluster.run({ type: 'put', key, value: new Uint8Array(100).fill(rng.int(256)) }, undefined, false).then((r) => void (r.type === 'put-ok' && acked.add(key)), () => {});
  for (let i = 0; i < 200; i++) write(`seed-${i}`);
  await run(sim, 2_000);
  return { sim, engines, nodes, acked, write };
}

/** Acknowledged keys d replicates in the 4-node ring that d does not hold. */
function missingOnD(engines: Map<string, StorageEngine>, acked: ReadonlySet<string>): string[] {
  const ring = ringOf(['a', 'b', 'c', 'd']);
  const store = new ReplicaStore(engines.get('d') as StorageEngine, { actor: 'd', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
  return [...acked].filter((k) => ring.preferenceList(k, 3).includes('d') && !store.read(k, 0).found);
}

describe('a joiner streams only once the coordinators know it is joining', () => {
  it('writes coordinated by a member that learned of the join late are all on the joiner when it turns normal', async () => {
    const { sim, engines, nodes, acked, write } = await threeNodes();
    deaf.add('c');
    const joinAtMs = sim.clock.now();
    const d = await startCore(sim, 'd', engines.get('d') as StorageEngine, true);
    let hearsAtMs: number | undefined;
    let missing: string[] | undefined;
    for (let i = 0; i < 3_000 && missing === undefined; i++) {
      write(`late-${i}`);
      if (hearsAtMs === undefined && sim.clock.now() - joinAtMs >= 2_000) {
        deaf.delete('c');
        hearsAtMs = sim.clock.now();
      }
      await run(sim, 20);
      // At the instant the join completes, before any anti-entropy pass: every acknowledged key d replicates is on d.
      if (d.topology.status().self === 'normal') missing = missingOnD(engines, acked);
    }
    expect(missing, `the join never completed; ${seedNote(seed)}`).toBeDefined();
    // The stream began only after c could know d was joining.
    expect(d.topology.status().stream?.startedAtMs ?? 0, seedNote(seed)).toBeGreaterThanOrEqual(hearsAtMs as number);
    expect(missing, `${missing?.length} acknowledged keys missing on the joiner; ${seedNote(seed)}`).toEqual([]);
    for (const n of [...nodes.values(), d]) n.stop();
  }, 60_000);

  it('a member that never learns of the join holds it up for at most joinWitnessRoundsMax rounds', async () => {
    const { sim, engines, nodes } = await threeNodes();
    deaf.add('c');
    try {
      const d = await startCore(sim, 'd', engines.get('d') as StorageEngine, true);
      let seesAtMs: number | undefined;
      const done = await run(sim, 60_000, () => {
        if (seesAtMs === undefined && d.cluster.view.ring.nodes().some((m) => m.id !== 'd')) seesAtMs = sim.clock.now();
        return d.topology.status().self === 'normal';
      });
      expect(done, `the join never completed; ${seedNote(seed)}`).toBe(true);
      const waitedMs = (d.topology.status().stream?.startedAtMs ?? 0) - (seesAtMs as number);
      // It waited for c (the bound), but not beyond it (plus the settle round and a half-round poll).
      expect(waitedMs, seedNote(seed)).toBeGreaterThanOrEqual(joinWitnessRoundsMax * settings.gossipIntervalMs);
      expect(waitedMs, seedNote(seed)).toBeLessThanOrEqual((joinWitnessRoundsMax + 2) * settings.gossipIntervalMs);
      for (const n of [...nodes.values(), d]) n.stop();
    } finally {
      deaf.delete('c');
    }
  }, 60_000);
});
