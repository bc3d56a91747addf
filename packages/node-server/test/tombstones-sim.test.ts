/**
 * Deletes that stay deleted, under @ringkv/sim: three nodes composed by
 * assembleNodeCore (the production composition) on a simulated network,
 * clock and random, in-memory engines as disks. A delete while one replica
 * is down, past the hint TTL and the grace period on the others; the replica
 * comes back holding the old value; anti-entropy and sweeps must never bring
 * the value back on any replica, and the keys end up removed everywhere.
 */
import { WireCodec, type RequestOptions } from '@ringkv/protocol';
import { seedNote, Simulation, testSeed } from '@ringkv/sim';
import { isTombstoneOnly } from '@ringkv/vclock';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../src/cluster/settings.js';
import { assembleNodeCore, openNodeState, storageKey, type ClusterOp, type NodeCore, type OpReply, type StorageEngine } from '../src/index.js';
import { decodeSet } from '../src/store/set-codec.js';
import { openMemoryEngine } from './support/memory-engine.js';
import { simPorts } from './support/sim-ports.js';

const seed = testSeed(0x70b5);
const hintTtlMs = 2_000;
const graceMs = 20_000;
const settings: ClusterSettings = { n: 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs, seeds: ['a'], clusterName: 'ringkv' };
const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const keys = ['gone-1', 'gone-2', 'gone-3', 'gone-4'];

async function startNodeCore(sim: Simulation, id: string, engine: StorageEngine): Promise<NodeCore> {
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 3_000, bytesPerSecond: 1 << 30, bucketsLog2: 10, tombstoneGraceMs: graceMs },
    clock: sim.clock, random: sim.fork(`node:${id}:${state.generation}`), transport: ports.transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
  });
  ports.serveWith((from, call) => node.cluster.onCall(from, call as Parameters<NodeCore['cluster']['onCall']>[1]));
  void node.start();
  return node;
}

/** Advances simulated time in `stepMs` steps, letting promise continuations run; stops early when `until` holds. */
async function run(sim: Simulation, ms: number, until?: () => boolean, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    sim.advance(stepMs);
    await flush();
    if (until?.()) return;
  }
}

/** Runs one client op on `core` while simulated time passes; the reply or the error message. */
async function op(sim: Simulation, core: NodeCore, o: ClusterOp, options?: RequestOptions): Promise<OpReply | string> {
  let out: OpReply | string | undefined;
  void core.cluster.run(o, options, false).then(
    (r) => (out = r),
    (e: Error) => (out = e.message),
  );
  await run(sim, 3_000, () => out !== undefined);
  return out ?? 'no answer';
}

/** What a node's engine holds for `key`: 'absent', 'tombstone', or the live values. */
function held(engine: StorageEngine, key: string): string {
  const bytes = engine.getSync(storageKey(key));
  if (bytes === undefined) return 'absent';
  const set = decodeSet(bytes);
  if (isTombstoneOnly(set)) return 'tombstone';
  const values: string[] = [];
  for (const e of set.entries) for (const v of e.versions) if (!v.tombstone && v.value instanceof Uint8Array) values.push(Buffer.from(v.value).toString());
  return values.sort().join('|');
}

describe('tombstone collection under simulation', () => {
  it('a delete while a replica is down stays deleted when it returns with the old value, and is then collected on all three', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 5 } });
    const ids = ['a', 'b', 'c'];
    const engines = await Promise.all(ids.map((id) => openMemoryEngine(`tsim-${seed}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 })));
    const cores = await Promise.all(ids.map((id, i) => startNodeCore(sim, id, engines[i] as StorageEngine)));
    await run(sim, 5_000, () => cores.every((c) => c.cluster.view.ring.size === 3));
    const [a, b] = cores as [NodeCore, NodeCore, NodeCore];
    for (const key of keys) expect(await op(sim, a, { type: 'put', key, value: new TextEncoder().encode('old') }, { w: 3 }), seedNote(seed)).toMatchObject({ type: 'put-ok' });
    expect(keys.map((k) => ids.map((_, i) => held(engines[i] as StorageEngine, k)).join()), seedNote(seed)).toEqual(keys.map(() => 'old,old,old'));

    // c goes down (its disk keeps "old"); the deletes reach a and b, c's hints expire.
    (cores[2] as NodeCore).stop();
    sim.network.crash('c');
    await run(sim, 10_000, () => a.cluster.view.down.has('c') && b.cluster.view.down.has('c'));
    for (const key of keys) {
      const read = await op(sim, a, { type: 'get', key });
      expect(read, seedNote(seed)).toMatchObject({ type: 'get-ok', found: true });
      expect(await op(sim, a, { type: 'delete', key, context: (read as { context: Uint8Array }).context }), seedNote(seed)).toMatchObject({ type: 'delete-ok' });
    }
    // Three grace periods with c away: a and b run passes and sweeps, and keep every tombstone.
    for (let i = 0; i < 6; i++) {
      await run(sim, graceMs / 2, undefined, 50);
      for (const key of keys) expect([held(engines[0] as StorageEngine, key), held(engines[1] as StorageEngine, key)], `${key} ${seedNote(seed)}`).toEqual(['tombstone', 'tombstone']);
    }
    expect(a.antiEntropy.tombstones.stats.blocked, seedNote(seed)).toBe(keys.length);
    expect(a.cluster.handoff.stats.expired + b.cluster.handoff.stats.expired, seedNote(seed)).toBeGreaterThan(0);

    // c returns with its old values: once a replica no longer holds "old", none ever holds it again.
    sim.network.up('c');
    cores[2] = await startNodeCore(sim, 'c', engines[2] as StorageEngine);
    for (const key of keys) expect(held(engines[2] as StorageEngine, key), seedNote(seed)).toBe('old');
    // a and b hold the tombstone already; c counts once its "old" is gone.
    const covered = new Set<string>(keys.flatMap((k) => [`a:${k}`, `b:${k}`]));
    const allAbsent = (): boolean => keys.every((k) => engines.every((e) => held(e as StorageEngine, k) === 'absent'));
    for (let t = 0; t < 6 * graceMs && !allAbsent(); t += 500) {
      await run(sim, 500, undefined, 50);
      for (const key of keys) {
        for (const [i, id] of ids.entries()) {
          const now = held(engines[i] as StorageEngine, key);
          if (now !== 'old') covered.add(`${id}:${key}`);
          else expect(covered.has(`${id}:${key}`), `${id} holds "old" for ${key} again at ${sim.clock.now()} ${seedNote(seed)}`).toBe(false);
        }
      }
    }
    expect(keys.map((k) => ids.map((_, i) => held(engines[i] as StorageEngine, k)).join()), seedNote(seed)).toEqual(keys.map(() => 'absent,absent,absent'));
    for (const key of keys) expect(await op(sim, cores[2] as NodeCore, { type: 'get', key }, { r: 3 }), seedNote(seed)).toMatchObject({ type: 'get-ok', found: false });
    expect(cores.reduce((n, c) => n + c.antiEntropy.tombstones.stats.collected, 0), seedNote(seed)).toBeGreaterThanOrEqual(3 * keys.length);
    for (const c of cores) c.stop();
  });
});
