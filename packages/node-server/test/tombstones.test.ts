/**
 * Tombstone collection on one node and between in-process replicas
 * (anti-entropy/tombstones.ts, store/tombstone-index.ts): the index follows
 * every write path, and the collector removes a tombstone-only key only past
 * its grace period and once every other replica completed an exchange that
 * started after the tombstone was committed here.
 */
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { context, live, tombstone, type VClock } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { EngineHintStore } from '../src/cluster/hint-store.js';
import { applyLocally } from '../src/cluster/replicas.js';
import { storageKey } from '../src/store/keys.js';
import type { StoredSet } from '../src/store/set-codec.js';
import { decodeMark, tombstoneKey, type TombstoneMark } from '../src/store/tombstone-index.js';
import { ReplicaTrees } from '../src/anti-entropy/trees.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { aeCluster, ringOf, TestClock, type TestNode } from './anti-entropy/nodes.js';
import { MemoryEngine } from './support/memory-engine.js';

const enc = new TextEncoder();
const graceMs = 60_000;

function markOf(node: { engine: MemoryEngine }, key: string): TombstoneMark | undefined {
  const stored = node.engine.getSync(tombstoneKey(storageKey(key)));
  return stored === undefined ? undefined : decodeMark(stored);
}

function ctx(set: StoredSet | undefined): VClock {
  return set === undefined ? [] : context(set);
}

/** Three replicas a, b, c (N = 3) on a test clock, tombstones tracked; none reachable unless `reachable`. */
function replicas(clock: TestClock, reachable = true): { a: TestNode; b: TestNode; c: TestNode } {
  const nodes = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, ...(reachable ? {} : { unreachable: new Set(['a', 'b', 'c']) }) });
  return { a: nodes.get('a') as TestNode, b: nodes.get('b') as TestNode, c: nodes.get('c') as TestNode };
}

/** Records on `node` a completed exchange with `peer` that started now (after every committed batch). */
function exchanged(node: TestNode, peer: string): void {
  node.ae.ledger.record('a,b,c', peer, node.store.committedBatchSeq, node.ae.ledger.epoch);
}

describe('the tombstone index', () => {
  it('follows tombstone-only transitions through update, client writes, syncIn and hint replay', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    clock.nowMs = 1_000;
    await a.store.update('k', [], live(enc.encode('v')));
    expect(markOf(a, 'k')).toBeUndefined();
    await a.store.update('k', ctx(a.store.readSet('k')), tombstone);
    expect(markOf(a, 'k')?.sinceMs).toBe(1_000);
    await a.store.update('k', ctx(a.store.readSet('k')), live(enc.encode('again')));
    expect(markOf(a, 'k')).toBeUndefined();
    await a.store.write('k', undefined, undefined, false);
    // A delete without context leaves the value as a sibling: not tombstone-only.
    expect(markOf(a, 'k')).toBeUndefined();
    clock.nowMs = 2_000;
    await a.store.write('k', Buffer.from(a.store.read('k', 0).context), undefined, false);
    expect(markOf(a, 'k')?.sinceMs).toBe(2_000);

    // syncIn: a tombstone from another replica into an empty slot, then a concurrent value.
    await b.store.update('s', [], tombstone);
    await a.store.syncIn('s', b.store.readSet('s') as StoredSet);
    expect(markOf(a, 's')).toBeDefined();
    await b.store.update('s', [], live(enc.encode('concurrent')));
    await a.store.syncIn('s', b.store.readSet('s') as StoredSet);
    expect(markOf(a, 's')).toBeUndefined();

    // Hint replay reaches the target as a replica apply; a hint kept for another node is no data record and no mark.
    const hints = new EngineHintStore(a.engine, a.store);
    await b.store.update('h', [], tombstone);
    await applyLocally(a.store, hints, clock, 'h', b.store.readSet('h') as StoredSet, undefined);
    expect(markOf(a, 'h')).toBeDefined();
    await applyLocally(a.store, hints, clock, 'h2', b.store.readSet('h') as StoredSet, 'c');
    expect(a.store.readSet('h2')).toBeUndefined();
    expect(markOf(a, 'h2')).toBeUndefined();
  });

  it('keeps the mark of an unchanged set, and renews it when the tombstone-only set changes', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    clock.nowMs = 5_000;
    await a.store.update('k', [], tombstone);
    const first = markOf(a, 'k') as TombstoneMark;
    clock.nowMs = 9_000;
    await a.store.syncIn('k', a.store.readSet('k') as StoredSet);
    expect(markOf(a, 'k')).toEqual(first);
    await b.store.update('k', [], tombstone);
    await a.store.syncIn('k', b.store.readSet('k') as StoredSet);
    const renewed = markOf(a, 'k') as TombstoneMark;
    expect(renewed.sinceMs).toBe(9_000);
    expect(renewed.batchSeq).toBeGreaterThan(first.batchSeq);
  });

  it('starts the grace of a tombstone synced into an empty slot at the age the sender reported, and only there', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    clock.nowMs = 100_000;
    await b.store.update('aged', [], tombstone);
    await a.store.syncIn('aged', b.store.readSet('aged') as StoredSet, 30_000);
    expect(markOf(a, 'aged')?.sinceMs).toBe(70_000);
    // A slot that held a value: the delete is new here, whatever its age elsewhere.
    await a.store.update('held', [], live(enc.encode('v')));
    await b.store.update('held', ctx(a.store.readSet('held')), tombstone);
    await a.store.syncIn('held', b.store.readSet('held') as StoredSet, 30_000);
    expect(markOf(a, 'held')?.sinceMs).toBe(100_000);
  });
});

describe('the tombstone collector', () => {
  it('never removes a key that still has a value sibling, even with a stale mark', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    await a.store.update('k', [], live(enc.encode('v')));
    await b.store.update('k', [], tombstone);
    await a.store.syncIn('k', b.store.readSet('k') as StoredSet);
    expect(markOf(a, 'k')).toBeUndefined();
    // A mark that (by a bug or a crash of another version) names a key holding a value.
    a.data.set(Buffer.from(tombstoneKey(storageKey('k'))).toString('latin1'), new Uint8Array(24));
    clock.nowMs = 10 * graceMs;
    exchanged(a, 'b');
    exchanged(a, 'c');
    const summary = await a.ae.sweepTombstones();
    expect(summary.collected).toBe(0);
    expect(a.store.read('k', 0).found).toBe(true);
  });

  it('keeps a tombstone within its grace period even when every replica has confirmed it', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    clock.nowMs = 1_000;
    await a.store.update('k', [], tombstone);
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = 1_000 + graceMs - 1;
    expect(await a.ae.sweepTombstones()).toEqual({ scanned: 1, collected: 0, pending: 1, blocked: 0 });
    expect(a.store.readSet('k')).toBeDefined();
  });

  it('keeps a tombstone past grace until every other replica completed an exchange that started after it', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    exchanged(a, 'c'); // started before the delete: does not count
    clock.nowMs = 1_000;
    await a.store.update('k', [], tombstone);
    exchanged(a, 'b');
    clock.nowMs = 1_000 + graceMs;
    expect(await a.ae.sweepTombstones()).toEqual({ scanned: 1, collected: 0, pending: 1, blocked: 1 });
    expect(a.ae.tombstones.stats).toMatchObject({ pending: 1, blocked: 1, collected: 0 });
    exchanged(a, 'c');
    // A ring change forgets every exchange: the replica sets may be new.
    a.ae.onRingChange();
    await a.ae.trees.ready();
    expect((await a.ae.sweepTombstones()).blocked).toBe(1);
    expect(a.store.readSet('k')).toBeDefined();
  });

  it('removes the data record, its mark and its Merkle leaf once grace passed and both other replicas confirmed', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    const before = a.ae.trees.tree('a,b,c').root();
    await a.store.update('keep', [], live(enc.encode('v')));
    const withKeep = a.ae.trees.tree('a,b,c').root();
    await a.store.update('k', [], tombstone);
    expect(a.ae.trees.tree('a,b,c').root()).not.toBe(withKeep);
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = graceMs;
    expect(await a.ae.sweepTombstones()).toEqual({ scanned: 1, collected: 1, pending: 0, blocked: 0 });
    expect(a.engine.getSync(storageKey('k'))).toBeUndefined();
    expect(markOf(a, 'k')).toBeUndefined();
    expect(a.ae.trees.tree('a,b,c').root()).toBe(withKeep);
    expect(withKeep).not.toBe(before);
    expect(a.ae.tombstones.stats.collected).toBe(1);
  });

  it('does not collect early when the clock goes backwards, and does once it passes grace again', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    clock.nowMs = 500_000;
    await a.store.update('k', [], tombstone);
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = 100_000; // jumped back by more than the grace period
    expect((await a.ae.sweepTombstones()).collected).toBe(0);
    clock.nowMs = 500_000 + graceMs - 1;
    expect((await a.ae.sweepTombstones()).collected).toBe(0);
    clock.nowMs = 500_000 + graceMs;
    expect((await a.ae.sweepTombstones()).collected).toBe(1);
  });

  it('drops a mark whose data record is gone (range cleanup) without counting it as collected or pending', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    await a.store.update('moved', [], tombstone);
    a.data.delete(Buffer.from(storageKey('moved')).toString('latin1'));
    expect(markOf(a, 'moved')).toBeDefined();
    expect(await a.ae.sweepTombstones()).toEqual({ scanned: 1, collected: 0, pending: 0, blocked: 0 });
    expect(markOf(a, 'moved')).toBeUndefined();
  });

  it('indexes, once per data directory, tombstone-only sets written before the index existed', async () => {
    const clock = new TestClock();
    const disk = new Map<string, Uint8Array>();
    const old = new ReplicaStore(new MemoryEngine('pre-index', disk), { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none', gather: (start: () => void) => start() });
    for (let i = 0; i < 30; i++) await old.update(`k${i}`, [], i % 3 === 0 ? tombstone : live(enc.encode(`v${i}`)));
    clock.nowMs = 5_000;
    const first = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, data: new Map([['a', disk]]), sweepChunkKeys: 4 }).get('a') as TestNode;
    await first.started;
    expect(await first.ae.indexing).toBe(10);
    for (let i = 0; i < 30; i++) expect(markOf(first, `k${i}`)?.sinceMs, `k${i}`).toBe(i % 3 === 0 ? 5_000 : undefined);
    const again = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, data: new Map([['a', disk]]) }).get('a') as TestNode;
    disk.delete(Buffer.from(tombstoneKey(storageKey('k0'))).toString('latin1'));
    await again.started;
    expect(await again.ae.indexing).toBe(0);
    expect(markOf(again, 'k0')).toBeUndefined();
  });

  it('counts a tombstone committed by an earlier start of the node as preceding every exchange of this start', () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    const ledger = a.ae.ledger;
    ledger.record('a,b,c', 'b', 0, ledger.epoch);
    expect(ledger.covers('a,b,c', 'b', { sinceMs: 0, generation: 0, batchSeq: 999 })).toBe(true);
    expect(ledger.covers('a,b,c', 'b', { sinceMs: 0, generation: 1, batchSeq: 1 })).toBe(false);
    expect(ledger.covers('a,b,c', 'c', { sinceMs: 0, generation: 0, batchSeq: 1 })).toBe(false);
    expect(ledger.covers('a,b,c', 'b', { sinceMs: 0, generation: 2, batchSeq: 0 })).toBe(false);
  });

  it('sweeps in chunks and collects every eligible key of many', async () => {
    const seed = testSeed(7007);
    const rng = new Rng(seed);
    const clock = new TestClock();
    const nodes = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, sweepChunkKeys: 7 });
    const a = nodes.get('a') as TestNode;
    const deleted: string[] = [];
    for (let i = 0; i < 60; i++) {
      await a.store.update(`k${i}`, [], live(enc.encode(`v${i}`)));
      if (rng.next() < 0.5) {
        await a.store.update(`k${i}`, ctx(a.store.readSet(`k${i}`)), tombstone);
        deleted.push(`k${i}`);
      }
    }
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = graceMs;
    const summary = await a.ae.sweepTombstones();
    expect(summary.scanned, seedNote(seed)).toBe(deleted.length);
    expect(summary.collected, seedNote(seed)).toBe(deleted.length);
    for (let i = 0; i < 60; i++) expect(a.store.readSet(`k${i}`) === undefined, `k${i} ${seedNote(seed)}`).toBe(deleted.includes(`k${i}`));
    expect(String(a.ae.trees.tree('a,b,c').root()), seedNote(seed)).toBe(fullTreeRoot(a));
  });
});

describe('tombstones between replicas', () => {
  it('are spread by anti-entropy, then collected on every replica without being handed back', async () => {
    const clock = new TestClock();
    const { a, b, c } = replicas(clock);
    await a.store.update('gone', [], live(enc.encode('old')));
    for (const n of [b, c]) await n.store.syncIn('gone', a.store.readSet('gone') as StoredSet);
    await a.store.update('gone', ctx(a.store.readSet('gone')), tombstone);
    // Within grace: passes spread the tombstone, nothing is collected.
    for (const n of [a, b, c]) await n.ae.repair();
    for (const n of [a, b, c]) expect(n.store.read('gone', 0).found, n.id).toBe(false);
    expect([a, b, c].map((n) => n.store.readSet('gone') !== undefined)).toEqual([true, true, true]);
    clock.nowMs = graceMs + 1;
    for (let round = 0; round < 3; round++) for (const n of [a, b, c]) await n.ae.repair();
    expect([a, b, c].map((n) => n.store.readSet('gone'))).toEqual([undefined, undefined, undefined]);
    expect([a, b, c].map((n) => markOf(n, 'gone'))).toEqual([undefined, undefined, undefined]);
    const collected = [a, b, c].map((n) => n.ae.tombstones.stats.collected);
    expect(collected).toEqual([1, 1, 1]);
    // In sync: a further pass moves nothing.
    expect((await b.ae.repair()).keysRepaired).toBe(0);
  });

  it('refill a wiped replica with a tombstone still within grace, carrying its age, but not with one past grace', async () => {
    const clock = new TestClock();
    const first = replicas(clock);
    await first.a.store.update('young', [], tombstone);
    await first.a.store.update('old', [], tombstone);
    await first.a.ae.repair();
    // 'old' has been deleted for a whole grace period when c loses its disk; 'young' is a quarter grace old.
    clock.nowMs = graceMs;
    await first.a.store.update('young', ctx(first.a.store.readSet('young')), tombstone);
    await first.b.store.syncIn('young', first.a.store.readSet('young') as StoredSet);
    clock.nowMs = graceMs + graceMs / 4;
    const disks = new Map([['a', first.a.data], ['b', first.b.data], ['c', new Map<string, Uint8Array>()]]);
    const second = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, data: disks });
    const c = second.get('c') as TestNode;
    await c.ae.repair();
    expect(c.store.readSet('old')).toBeUndefined();
    expect(c.store.readSet('young')).toBeDefined();
    expect(c.store.read('young', 0).found).toBe(false);
    expect(markOf(c, 'young')?.sinceMs).toBe(graceMs);
  });

  it('are not collected while a replica that missed the delete is unreachable, and cover its old value when it is back', async () => {
    const clock = new TestClock();
    const unreachable = new Set<string>();
    const nodes = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs, unreachable });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => nodes.get(id) as TestNode) as [TestNode, TestNode, TestNode];
    for (const n of [a, b, c]) await n.store.update('gone', [], live(enc.encode('old')));
    await a.ae.repair();
    unreachable.add('c');
    await a.store.update('gone', ctx(a.store.readSet('gone')), tombstone);
    await b.store.syncIn('gone', a.store.readSet('gone') as StoredSet);
    for (let day = 1; day <= 5; day++) {
      clock.nowMs = day * graceMs;
      await a.ae.repair();
      await b.ae.repair();
      expect(a.store.readSet('gone'), `day ${day}`).toBeDefined();
      expect(b.store.readSet('gone'), `day ${day}`).toBeDefined();
    }
    expect(a.ae.tombstones.stats.blocked).toBe(1);
    unreachable.delete('c');
    expect(c.store.read('gone', 0).found).toBe(true);
    for (let round = 0; round < 4; round++) {
      clock.nowMs += graceMs;
      for (const n of [c, a, b]) {
        await n.ae.repair();
        for (const m of [a, b, c]) expect(m.store.read('gone', 0).found, `${m.id} after ${n.id}'s pass ${round}`).toBe(false);
      }
    }
    expect([a, b, c].map((n) => n.store.readSet('gone'))).toEqual([undefined, undefined, undefined]);
  });
});

/** The root of `node`'s tree as a full scan of its engine builds it. */
function fullTreeRoot(node: TestNode): string {
  const rebuilt = new ReplicaTrees({ selfId: node.id, n: 3, ring: () => ringOf(['a', 'b', 'c']), engine: node.engine, bucketsLog2: node.ae.trees.bucketsLog2 });
  rebuilt.rebuild();
  return String(rebuilt.tree('a,b,c').root());
}
