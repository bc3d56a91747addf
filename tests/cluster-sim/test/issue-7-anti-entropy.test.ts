/**
 * Issue 7's simulation tests, on the whole production composition: replicas
 * diverged by dropped messages, a wiped disk, or a node down past the hint
 * window converge after anti-entropy (identical sibling sets, equal Merkle
 * roots) within a bounded number of passes; a delete followed by a long
 * partition of one replica never resurrects the value, and its tombstone is
 * collected only once the replica is back.
 */
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { checkConvergence, checkMerkle, registerValue, repairRound, replicaSets, SimCluster, decodeRegister, type Outcome } from '../src/index.js';
import { turn } from './support.js';

const seed = testSeed(7_007);
const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
/** Anti-entropy passes (one on every node) within which replicas must agree. */
const passesMax = 2;

async function put(cluster: SimCluster, key: string, text: string, w: 'all' | 2 = 2, node = 'n1'): Promise<Outcome> {
  return cluster.drive(cluster.clients[0]!.request(node, { type: 'put', key, value: registerValue(text) }, { w }), 10_000);
}

function holds(cluster: SimCluster, node: string, key: string): boolean {
  return cluster.node(node).state.store.readSet(key) !== undefined;
}

/** Runs repair rounds until the replicas agree; returns the passes it took (or passesMax + 1). */
async function repairUntilConverged(cluster: SimCluster): Promise<number> {
  for (let pass = 1; pass <= passesMax; pass++) {
    await repairRound(cluster);
    await cluster.runFor(200);
    if (checkConvergence(cluster, keys).length === 0 && checkMerkle(cluster).length === 0) return pass;
  }
  return passesMax + 1;
}

function repairedKeys(cluster: SimCluster): number {
  return cluster.running().reduce((n, node) => n + node.core.antiEntropy.stats.keysRepaired, 0);
}

async function threeNodes(s: number, hintTtlMs = 600_000): Promise<SimCluster> {
  const cluster = new SimCluster({ seed: s, nodes: 3, clients: 1, turn, settings: { hintTtlMs }, antiEntropy: { tombstoneGraceMs: Math.max(hintTtlMs, 2_000) } });
  expect(await cluster.start(), seedNote(s)).toBe(true);
  return cluster;
}

describe('issue 7: anti-entropy under simulation', () => {
  it('replicas diverged by dropped messages converge within two passes', async () => {
    const cluster = await threeNodes(seed);
    // n3 still gossips out (so nobody thinks it down and no stand-in holds its writes) but hears nothing.
    cluster.sim.network.cutLink('n1', 'n3');
    cluster.sim.network.cutLink('n2', 'n3');
    for (const key of keys) expect((await put(cluster, key, `v-${key}`)).kind, seedNote(seed)).toBe('ok');
    await cluster.runFor(500);
    expect(keys.filter((k) => !holds(cluster, 'n3', k)).length, `n3 missed writes ${seedNote(seed)}`).toBeGreaterThan(0);
    cluster.sim.network.heal();
    expect(await repairUntilConverged(cluster), seedNote(seed)).toBeLessThanOrEqual(passesMax);
    expect(keys.every((k) => holds(cluster, 'n3', k)), seedNote(seed)).toBe(true);
    expect(repairedKeys(cluster), seedNote(seed)).toBeGreaterThan(0);
    cluster.stop();
  });

  it('a replica whose disk was wiped converges within two passes', async () => {
    const cluster = await threeNodes(seed + 1);
    for (const key of keys) expect((await put(cluster, key, `v-${key}`, 'all')).kind, seedNote(seed + 1)).toBe('ok');
    const n3 = cluster.node('n3');
    n3.kill('drop');
    n3.wipe();
    await cluster.drive(n3.start(), 10_000);
    await cluster.runUntil(() => cluster.allSeeAllUp(), 10_000);
    expect(keys.filter((k) => holds(cluster, 'n3', k)), seedNote(seed + 1)).toEqual([]);
    expect(await repairUntilConverged(cluster), seedNote(seed + 1)).toBeLessThanOrEqual(passesMax);
    for (const key of keys) expect(replicaSets(cluster, key).map((r) => r.set && decodeRegister((r.set.entries[0]!.versions[0] as { value: Uint8Array }).value)), seedNote(seed + 1)).toEqual([`v-${key}`, `v-${key}`, `v-${key}`]);
    cluster.stop();
  });

  it('a replica down past the hint window converges within two passes', async () => {
    const cluster = await threeNodes(seed + 2, 2_000);
    const n3 = cluster.node('n3');
    n3.kill('prefix');
    await cluster.runUntil(() => cluster.running().every((n) => n.core.cluster.view.down.has('n3')), 10_000);
    for (const key of keys) expect((await put(cluster, key, `v-${key}`)).kind, seedNote(seed + 2)).toBe('ok');
    const stored = cluster.running().reduce((n, node) => n + node.core.cluster.coordinator.stats().hintsStored, 0);
    expect(stored, seedNote(seed + 2)).toBeGreaterThan(0);
    await cluster.runUntil(() => cluster.running().every((n) => n.state.hints.countsByTarget().size === 0), 20_000);
    expect(cluster.running().reduce((n, node) => n + node.core.cluster.handoff.stats.expired, 0), `hints expired ${seedNote(seed + 2)}`).toBeGreaterThan(0);
    await cluster.drive(n3.start(), 10_000);
    await cluster.runUntil(() => cluster.allSeeAllUp(), 10_000);
    expect(keys.filter((k) => !holds(cluster, 'n3', k)).length, seedNote(seed + 2)).toBeGreaterThan(0);
    expect(await repairUntilConverged(cluster), seedNote(seed + 2)).toBeLessThanOrEqual(passesMax);
    expect(keys.every((k) => holds(cluster, 'n3', k)), seedNote(seed + 2)).toBe(true);
    cluster.stop();
  });

  it('a delete followed by a long partition of one replica never resurrects the value, and is collected only after the replica is back', async () => {
    const s = seed + 3;
    const cluster = await threeNodes(s, 2_000);
    const key = keys[0]!;
    expect((await put(cluster, key, 'doomed', 'all')).kind, seedNote(s)).toBe('ok');
    const read = await cluster.drive(cluster.clients[0]!.request('n1', { type: 'get', key }, { r: 2 }), 10_000);
    if (read.kind !== 'ok' || read.reply.type !== 'get-ok') throw new Error(`read failed ${seedNote(s)}`);
    cluster.sim.network.isolate('n3');
    cluster.sim.network.healLink('c1', 'n3'); // the client stays cut from n3 only by its own choice of n1
    await cluster.runUntil(() => ['n1', 'n2'].every((id) => cluster.node(id).core.cluster.view.down.has('n3')), 10_000);
    const del = await cluster.drive(cluster.clients[0]!.request('n1', { type: 'delete', key, context: read.reply.context }), 10_000);
    expect(del.kind, seedNote(s)).toBe('ok');
    const noLiveValue = (): boolean => replicaSets(cluster, key).every((r) => r.node === 'n3' || r.set === undefined || r.set.entries.every((e) => e.versions.every((v) => v.tombstone)));
    // Far past the grace period, with passes and sweeps between n1 and n2: n3 still holds the value, so nobody collects.
    for (let i = 0; i < 5; i++) {
      await repairRound(cluster);
      await cluster.runFor(2_000);
      expect(noLiveValue(), seedNote(s)).toBe(true);
    }
    expect(['n1', 'n2'].every((id) => holds(cluster, id, key)), `tombstone kept while n3 is away ${seedNote(s)}`).toBe(true);
    expect(cluster.running().reduce((n, node) => n + node.core.antiEntropy.tombstones.stats.collected, 0), seedNote(s)).toBe(0);
    cluster.sim.network.heal();
    await cluster.runUntil(() => cluster.allSeeAllUp(), 10_000);
    for (let i = 0; i < 4; i++) {
      await repairRound(cluster);
      await cluster.runFor(1_500);
      expect(replicaSets(cluster, key).every((r) => r.set === undefined || r.set.entries.every((e) => e.versions.every((v) => v.tombstone))), seedNote(s)).toBe(true);
    }
    const after = await cluster.drive(cluster.clients[0]!.request('n3', { type: 'get', key }, { r: 'all' }), 10_000);
    expect(after.kind === 'ok' && after.reply.type === 'get-ok' && after.reply.found, seedNote(s)).toBe(false);
    expect(cluster.running().reduce((n, node) => n + node.core.antiEntropy.tombstones.stats.collected, 0), `collected once n3 is back ${seedNote(s)}`).toBeGreaterThan(0);
    cluster.stop();
  });
});
