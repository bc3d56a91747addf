/**
 * Anti-entropy between in-process nodes over fake peer ports: every call goes
 * through the real PeerCodec (encode, decode, validation) into the other
 * node's AntiEntropy.onCall, with in-memory engines and real ReplicaStores.
 */
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { live, tombstone } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { ReplicaTrees } from '../../src/anti-entropy/trees.js';
import { aeCluster, ringOf, roots, setsOf, type TestNode } from './nodes.js';

/** Nodes `ids` on one ring (N = ids.length unless given); calls are routed by address = id. */
function cluster(ids: readonly string[], n = ids.length, data?: Map<string, Map<string, Uint8Array>>, bucketsLog2?: number): Map<string, TestNode> {
  return aeCluster(ids, { n, ...(data === undefined ? {} : { data }), ...(bucketsLog2 === undefined ? {} : { bucketsLog2 }) });
}

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

describe('anti-entropy exchange', () => {
  it('makes diverged replicas hold identical sibling sets and equal Merkle roots after one pass', async () => {
    const nodes = cluster(['a', 'b', 'c']);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => nodes.get(id) as TestNode) as [TestNode, TestNode, TestNode];
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    for (const [i, key] of keys.entries()) {
      // Diverge: some keys only on a, some only on b, some concurrently on a and c (siblings), some deleted on b.
      if (i % 4 === 0) await a.store.update(key, [], live(bytes(`a${i}`)));
      if (i % 4 === 1) await b.store.update(key, [], live(bytes(`b${i}`)));
      if (i % 4 === 2) await Promise.all([a.store.update(key, [], live(bytes(`a${i}`))), c.store.update(key, [], live(bytes(`c${i}`)))]);
      if (i % 4 === 3) await b.store.update(key, [], tombstone);
    }
    expect(roots(a)).not.toEqual(roots(b));
    const summary = await a.ae.repair();
    expect(summary.exchangesFailed).toBe(0);
    expect(summary.keysRepaired).toBeGreaterThan(0);
    // a is now the union; b and c got what they lacked from a.
    await b.ae.repair();
    expect(setsOf(b, keys)).toEqual(setsOf(a, keys));
    expect(setsOf(c, keys)).toEqual(setsOf(a, keys));
    expect(roots(b)).toEqual(roots(a));
    expect(roots(c)).toEqual(roots(a));
    const both = a.store.readSet('key-2');
    expect(both?.entries.flatMap((e) => e.versions).length).toBe(2);
  });

  it('exchanges only the roots between in-sync replicas', async () => {
    const nodes = cluster(['a', 'b']);
    const a = nodes.get('a') as TestNode;
    for (let i = 0; i < 100; i++) await a.store.update(`k${i}`, [], live(bytes(`v${i}`)));
    await a.ae.repair();
    const again = await a.ae.repair();
    expect(again.keysRepaired).toBe(0);
    expect(again.bucketsDiffering).toBe(0);
    expect(again.roundTrips).toBe(1);
    expect(again.bytesReceived).toBe(8);
  });

  it('refills a wiped replica (empty store, same id) from its peers when the wiped node runs the pass', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `w${i}`);
    const first = cluster(['a', 'b', 'c']);
    const a = first.get('a') as TestNode;
    for (const key of keys) await a.store.update(key, [], live(bytes(key)));
    await a.ae.repair();
    // b loses its disk: same ids and ring, b's data map empty.
    const disks = new Map([...first].map(([id, node]) => [id, id === 'b' ? new Map<string, Uint8Array>() : node.data]));
    const second = cluster(['a', 'b', 'c'], 3, disks);
    const b = second.get('b') as TestNode;
    expect(b.ae.trees.groups().length).toBeGreaterThan(0);
    const summary = await b.ae.repair();
    expect(summary.keysPulled).toBe(keys.length);
    expect(setsOf(b, keys)).toEqual(setsOf(second.get('a') as TestNode, keys));
    expect(roots(b)).toEqual(roots(second.get('c') as TestNode));
  });

  it('moves large differences in several lz4-compressed chunks and still converges', async () => {
    const nodes = cluster(['a', 'b']);
    const a = nodes.get('a') as TestNode;
    const b = nodes.get('b') as TestNode;
    const keys = Array.from({ length: 120 }, (_, i) => `big${i}`);
    for (const key of keys) await a.store.update(key, [], live(bytes(key.repeat(1000))));
    const summary = await b.ae.repair();
    expect(summary.keysPulled).toBe(keys.length);
    // ~600 KB of sets (compressible): more than one 512 KiB range-sets chunk before compression, fewer bytes on the wire.
    expect(summary.bytesReceived).toBeLessThan(keys.length * 4000);
    expect(setsOf(b, keys)).toEqual(setsOf(a, keys));
  });

  it('fetches the whole set only of the key whose digest differs in a bucket of many keys', async () => {
    const nodes = cluster(['a', 'b'], 2, undefined, 2);
    const a = nodes.get('a') as TestNode;
    const b = nodes.get('b') as TestNode;
    const keys = Array.from({ length: 200 }, (_, i) => `d${i}`);
    const rng = new Rng(testSeed(99));
    // Incompressible values: lz4 must not hide a whole-bucket transfer.
    for (const key of keys) await a.store.update(key, [], live(rng.bytes(200)));
    await b.ae.repair();
    const context = b.store.readSet('d7')?.entries.map((e) => ({ actor: e.actor, counter: e.counter, lastModifiedMs: 0 })) ?? [];
    await b.store.update('d7', context, live(bytes('newer'.repeat(50))));
    const summary = await a.ae.repair();
    expect(summary.bucketsDiffering).toBe(1);
    expect(summary.keysPulled).toBe(1);
    expect(summary.keysPushed).toBe(0);
    // One bucket of 4 holds ~50 keys of 200-byte values: their digests and one set are far less than the bucket's sets.
    expect(summary.bytesReceived).toBeLessThan(20 * 200);
    expect(setsOf(a, keys)).toEqual(setsOf(b, keys));
  });

  it('keeps every tree equal to the tree rebuilt from a full scan after a random workload', async () => {
    const seed = testSeed(7701);
    const rng = new Rng(seed);
    const nodes = cluster(['a', 'b', 'c', 'd'], 2);
    const a = nodes.get('a') as TestNode;
    const b = nodes.get('b') as TestNode;
    for (let i = 0; i < 400; i++) {
      const key = `r${rng.int(80)}`;
      const op = rng.int(4);
      if (op === 0) await a.store.update(key, [], live(bytes(`v${i}`)));
      else if (op === 1) await a.store.update(key, [], tombstone);
      else if (op === 2) await b.store.update(key, [], live(bytes(`w${i}`)));
      else {
        const set = b.store.readSet(key);
        if (set !== undefined) await a.store.syncIn(key, set);
      }
    }
    await a.ae.repair();
    const rebuilt = new ReplicaTrees({ selfId: 'a', n: 2, ring: () => ringOf(['a', 'b', 'c', 'd']), engine: a.engine, bucketsLog2: a.ae.trees.bucketsLog2 });
    rebuilt.rebuild();
    const groups = a.ae.trees.groups();
    expect(groups, seedNote(seed)).toEqual(rebuilt.groups());
    for (const g of groups) expect(a.ae.trees.tree(g).root(), `${g} ${seedNote(seed)}`).toBe(rebuilt.tree(g).root());
  });
});
