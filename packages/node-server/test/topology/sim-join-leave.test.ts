/**
 * Topology changes under @ringkv/sim (the production composition on a
 * simulated clock, network and random; in-memory engines): a node joins and
 * another leaves while a seeded write workload runs; no acknowledged write
 * is lost, and in the end every replica of the final ring holds every key.
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
import { ringOf } from './support.js';

const seed = testSeed(0x701060);
const settings: ClusterSettings = { n: 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs: 3_600_000, seeds: ['a'], clusterName: 'ringkv' };
const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Makes a node refuse every `stream-range` call (counted), as a source that fails mid-join. */
const refusing = new Map<string, number>();

async function startCore(sim: Simulation, id: string, engine: StorageEngine, join: boolean): Promise<NodeCore> {
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 30, bucketsLog2: 10, tombstoneGraceMs: 864_000_000 },
    clock: sim.clock, random: sim.fork(`node:${id}:${state.generation}`), transport: ports.transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
    topology: { join, streamBytesPerSec: 256 * 1024 },
  });
  ports.serveWith((from, call) => {
    if (call.type === 'stream-range' && refusing.has(id)) {
      refusing.set(id, (refusing.get(id) ?? 0) + 1);
      return Promise.resolve({ type: 'peer-error', id: call.id, code: 'internal', message: 'refused by the test' });
    }
    return node.cluster.onCall(from, call as Parameters<NodeCore['cluster']['onCall']>[1]);
  });
  void node.start();
  return node;
}

async function run(sim: Simulation, ms: number, until?: () => boolean): Promise<boolean> {
  for (let t = 0; t < ms; t += 10) {
    sim.advance(10);
    await flush();
    if (until?.()) return true;
  }
  return until?.() ?? true;
}

describe('topology changes under simulation', () => {
  it('a join and a leave during a seeded write workload lose no acknowledged write', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 5 } });
    const rng = new Rng(seed);
    const ids = ['a', 'b', 'c', 'd'];
    const engines = new Map<string, StorageEngine>();
    for (const id of ids) engines.set(id, await openMemoryEngine(`topo-sim-${seed}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 }));
    const nodes = new Map<string, NodeCore>();
    for (const id of ['a', 'b', 'c']) nodes.set(id, await startCore(sim, id, engines.get(id) as StorageEngine, false));
    expect(await run(sim, 10_000, () => [...nodes.values()].every((n) => n.cluster.view.ring.size === 3)), seedNote(seed)).toBe(true);

    const acked = new Map<string, string>();
    let i = 0;
    /** Issues one write through a random live node every 20 ms of simulated time until `done`. */
    const workload = async (coordinators: () => string[], done: () => boolean, limitMs: number): Promise<void> => {
      const inFlight: Promise<void>[] = [];
      for (let t = 0; t < limitMs && !done(); t += 20) {
        const list = coordinators();
        const node = nodes.get(list[rng.int(list.length)] as string) as NodeCore;
        const key = `k${i}`;
        const value = `v${i++}`;
        inFlight.push(node.cluster.run({ type: 'put', key, value: new TextEncoder().encode(value) }, undefined, false).then((r) => void (r.type === 'put-ok' && acked.set(key, value)), () => {}));
        await run(sim, 20);
      }
      await run(sim, 3_000);
      await Promise.all(inFlight);
    };

    await workload(() => ['a', 'b', 'c'], () => false, 1_000);
    nodes.set('d', await startCore(sim, 'd', engines.get('d') as StorageEngine, true));
    /**
     * At the instant a change completes, before any anti-entropy pass could
     * copy anything, every key acknowledged so far must already be on every
     * replica the new ring gives it (streams plus pending writes).
     */
    const missingAt = (members: string[]): string[] => {
      const ring = ringOf(members);
      const out: string[] = [];
      for (const id of members) {
        const store = new ReplicaStore(engines.get(id) as StorageEngine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
        for (const k of acked.keys()) if (ring.preferenceList(k, 3).includes(id) && !store.read(k, 0).found) out.push(`${k}@${id}`);
      }
      return out;
    };
    let missingAfterJoin: string[] | undefined;
    await workload(
      () => ['a', 'b', 'c'],
      () => {
        if (nodes.get('d')?.topology.status().self !== 'normal') return false;
        missingAfterJoin ??= missingAt(['a', 'b', 'c', 'd']);
        return true;
      },
      60_000,
    );
    expect(missingAfterJoin, seedNote(seed)).toEqual([]);
    expect(nodes.get('d')?.topology.status().self, seedNote(seed)).toBe('normal');
    expect(await run(sim, 10_000, () => ['a', 'b', 'c'].every((id) => nodes.get(id)?.cluster.view.ring.size === 4)), seedNote(seed)).toBe(true);

    expect(nodes.get('b')?.topology.leave().ok, seedNote(seed)).toBe(true);
    let missingAfterLeave: string[] | undefined;
    await workload(
      () => ['a', 'c', 'd'],
      () => {
        if (nodes.get('b')?.topology.status().self !== 'left') return false;
        missingAfterLeave ??= missingAt(['a', 'c', 'd']);
        return true;
      },
      60_000,
    );
    expect(missingAfterLeave, seedNote(seed)).toEqual([]);
    expect(nodes.get('b')?.topology.status().self, seedNote(seed)).toBe('left');
    await run(sim, 5_000);
    nodes.get('b')?.stop();
    sim.network.crash('b');
    expect(await run(sim, 10_000, () => ['a', 'c', 'd'].every((id) => nodes.get(id)?.cluster.view.ring.size === 3)), seedNote(seed)).toBe(true);
    await run(sim, 5_000);

    expect(acked.size, seedNote(seed)).toBeGreaterThan(50);
    const ring = ringOf(['a', 'c', 'd']);
    for (const id of ['a', 'c', 'd']) {
      const store = new ReplicaStore(engines.get(id) as StorageEngine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
      for (const [k, v] of acked) {
        if (!ring.preferenceList(k, 3).includes(id)) continue;
        const got = store.read(k, 0).siblings.map((s) => ('value' in s ? Buffer.from(s.value).toString() : 'tombstone'));
        expect(got, `${k} on ${id} ${seedNote(seed)}`).toEqual([v]);
      }
    }
    for (const n of nodes.values()) n.stop();
  }, 60_000);

  it('a join whose preferred source refuses every chunk completes from the other replicas', async () => {
    const sim = new Simulation({ seed: seed + 1, link: { latencyMs: 2, jitterMs: 5 } });
    const engines = new Map<string, StorageEngine>();
    for (const id of ['a', 'b', 'c', 'd']) engines.set(id, await openMemoryEngine(`topo-sim-src-${seed}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 }));
    const nodes = new Map<string, NodeCore>();
    for (const id of ['a', 'b', 'c']) nodes.set(id, await startCore(sim, id, engines.get(id) as StorageEngine, false));
    expect(await run(sim, 10_000, () => [...nodes.values()].every((n) => n.cluster.view.ring.size === 3)), seedNote(seed)).toBe(true);
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const p = (nodes.get('a') as NodeCore).cluster.run({ type: 'put', key: `s${i}`, value: new TextEncoder().encode('v'), }, { w: 3 }, false);
      let ok = false;
      void p.then((r) => (ok = r.type === 'put-ok'), () => {});
      await run(sim, 2_000, () => ok);
      if (ok) keys.push(`s${i}`);
    }
    expect(keys.length, seedNote(seed)).toBe(60);
    for (const id of ['a', 'b', 'c']) refusing.set(id, 0);
    // Every source refuses at first; b and c serve again after a while, a never does.
    nodes.set('d', await startCore(sim, 'd', engines.get('d') as StorageEngine, true));
    await run(sim, 3_000);
    refusing.delete('b');
    refusing.delete('c');
    expect(await run(sim, 30_000, () => nodes.get('d')?.topology.status().self === 'normal'), seedNote(seed)).toBe(true);
    expect(refusing.get('a') ?? 0, seedNote(seed)).toBeGreaterThan(0);
    const d = new ReplicaStore(engines.get('d') as StorageEngine, { actor: 'd', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
    const ring = ringOf(['a', 'b', 'c', 'd']);
    expect(keys.filter((k) => ring.preferenceList(k, 3).includes('d') && !d.read(k, 0).found), seedNote(seed)).toEqual([]);
    refusing.clear();
    for (const n of nodes.values()) n.stop();
  }, 60_000);
});
