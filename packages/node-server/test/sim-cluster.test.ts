/**
 * The cluster core under @ringkv/sim: three ClusterCores on a simulated
 * network, clock and random (no sockets, no timers of Node), in-memory
 * engines as disks. A seeded run: converge, write at W=2, crash one node,
 * keep writing, restart it on its disk with a new generation, let hints
 * replay, and check that every replica holds every acknowledged write.
 * This is the seam issue 8 builds on.
 */
import { WireCodec } from '@ringkv/protocol';
import { seedNote, Simulation, testSeed } from '@ringkv/sim';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../src/cluster/settings.js';
import { assembleNodeCore, openNodeState, type ClusterCore, type StorageEngine } from '../src/index.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { openMemoryEngine } from './support/memory-engine.js';
import { simPorts } from './support/sim-ports.js';

const seed = testSeed(0xc1a5);
const settings: ClusterSettings = { n: 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs: 3_600_000, seeds: ['a'], clusterName: 'ringkv' };
const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The production composition (assembleNodeCore) on simulated ports; anti-entropy on demand only. */
async function startCore(sim: Simulation, id: string, engine: StorageEngine): Promise<ClusterCore> {
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 30, bucketsLog2: 10 },
    clock: sim.clock, random: sim.fork(`node:${id}:${state.generation}`), transport: ports.transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
  });
  ports.serveWith((from, call) => node.cluster.onCall(from, call as Parameters<ClusterCore['onCall']>[1]));
  void node.start();
  return node.cluster;
}

/** Advances simulated time in small steps, letting promise continuations (engine writes) run between them. */
async function run(sim: Simulation, ms: number, until?: () => boolean): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    sim.advance(10);
    await flush();
    if (until?.()) return;
  }
}

async function write(sim: Simulation, core: ClusterCore, key: string, value: string): Promise<string> {
  const p = core.run({ type: 'put', key, value: new TextEncoder().encode(value) }, undefined, false).then(
    (r) => r.type,
    (e: Error) => e.message,
  );
  let out: string | undefined;
  void p.then((x) => (out = x));
  await run(sim, 3_000, () => out !== undefined);
  return out ?? 'no answer';
}

describe('the cluster core under simulation', () => {
  it('converges, survives a crash with W=2, and after the restart every replica holds every acknowledged write', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 5 } });
    const engines = await Promise.all(['a', 'b', 'c'].map((id) => openMemoryEngine(`sim-${seed}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 })));
    const cores = await Promise.all(['a', 'b', 'c'].map((id, i) => startCore(sim, id, engines[i] as StorageEngine)));
    await run(sim, 5_000, () => cores.every((c) => c.view.ring.size === 3));
    expect(cores.map((c) => c.view.ring.size), seedNote(seed)).toEqual([3, 3, 3]);

    const acked = new Map<string, string>();
    for (let i = 0; i < 10; i++) if ((await write(sim, cores[i % 3] as ClusterCore, `s${i}`, `v${i}`)) === 'put-ok') acked.set(`s${i}`, `v${i}`);
    expect(acked.size, seedNote(seed)).toBe(10);

    (cores[2] as ClusterCore).stop();
    sim.network.crash('c');
    for (let i = 0; i < 10; i++) {
      const result = await write(sim, cores[i % 2] as ClusterCore, `t${i}`, `w${i}`);
      expect(result, seedNote(seed)).toBe('put-ok');
      acked.set(`t${i}`, `w${i}`);
    }
    await run(sim, 10_000, () => cores.slice(0, 2).every((c) => c.view.down.has('c')));

    sim.network.up('c');
    cores[2] = await startCore(sim, 'c', engines[2] as StorageEngine);
    await run(sim, 30_000, () => cores.slice(0, 2).every((c) => c.handoff.stats.replayed > 0 || c.coordinator.stats().hintsStored === 0));
    await run(sim, 2_000);

    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      const store = new ReplicaStore(engines[i] as StorageEngine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
      for (const [k, v] of acked) {
        const got = store.read(k, 0);
        expect(got.siblings.map((s) => ('value' in s ? Buffer.from(s.value).toString() : 'tombstone')), `${k} on ${id} ${seedNote(seed)}`).toEqual([v]);
      }
    }
    for (const c of cores) c.stop();
  });
});
