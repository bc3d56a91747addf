/**
 * Expiry (issue 18) on in-process replicas: a value put with a deadline is
 * hidden from reads by each node's own clock, its deadline travels with the
 * version (hint replay, anti-entropy, the Merkle digest), and an expired
 * version is collected under the tombstone rules without ever coming back
 * live from a replica that still holds it.
 */
import { Packr } from 'msgpackr';
import { context, empty, live, sync, tombstone, update } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { EngineHintStore } from '../src/cluster/hint-store.js';
import { applyLocally } from '../src/cluster/replicas.js';
import { storageKey } from '../src/store/keys.js';
import { decodeSet, encodeSet, type StoredSet, type StoredValue } from '../src/store/set-codec.js';
import { tombstoneKey } from '../src/store/tombstone-index.js';
import { aeCluster, roots, TestClock, type TestNode } from './anti-entropy/nodes.js';

const enc = new TextEncoder();
const graceMs = 60_000;

function replicas(clock: TestClock): { a: TestNode; b: TestNode; c: TestNode } {
  const nodes = aeCluster(['a', 'b', 'c'], { clock, tombstoneGraceMs: graceMs });
  return { a: nodes.get('a') as TestNode, b: nodes.get('b') as TestNode, c: nodes.get('c') as TestNode };
}

function exchanged(node: TestNode, peer: string): void {
  node.ae.ledger.record('a,b,c', peer, node.store.committedBatchSeq, node.ae.ledger.epoch);
}

function deadlinesOf(set: StoredSet | undefined): (number | undefined)[] {
  return (set?.entries ?? []).flatMap((e) => e.versions.map((p) => (p.tombstone ? undefined : p.expiresAtMs)));
}

describe('expiry on a replica', () => {
  it('hides an expired value from reads by the node clock, keeps it before, and keeps its dot in the context', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    await a.store.write('k', undefined, enc.encode('v'), false, 5_000);
    const before = a.store.read('k', 4_999);
    expect(before.found).toBe(true);
    expect(before.siblings.map((s) => ('value' in s ? Buffer.from(s.value).toString() : '⊥'))).toEqual(['v']);
    const expired = a.store.read('k', 5_000);
    expect(expired.found).toBe(false);
    expect(expired.siblings).toEqual([]);
    // The context still covers the expired dot: a write with it replaces the version.
    await a.store.write('k', expired.context, enc.encode('new'), false);
    expect(a.store.read('k', 5_000).siblings.map((s) => ('value' in s ? Buffer.from(s.value).toString() : '⊥'))).toEqual(['new']);
    expect(deadlinesOf(a.store.readSet('k'))).toEqual([undefined]);
  });

  it('stores a set without deadlines in format 1, byte for byte as before, and one with a deadline in format 2', () => {
    const plain = update(empty<StoredValue>(), [], 'a', live(enc.encode('v')));
    const old = encodeSet(plain);
    expect(Buffer.from(old).includes(Buffer.from('expiresAtMs'))).toBe(false);
    expect(Buffer.from(encodeSet(decodeSet(old)))).toEqual(Buffer.from(old));
    expect(Buffer.from(old)).toEqual(Buffer.from(new Packr({ useRecords: false }).pack(plain)));
    const timed = update(empty<StoredValue>(), [], 'a', live(enc.encode('v'), 123));
    const bytes = encodeSet(timed);
    expect(Buffer.from(encodeSet(decodeSet(bytes)))).toEqual(Buffer.from(bytes));
    expect(() => decodeSet(new Packr({ useRecords: false }).pack({ v: 3, entries: [] }))).toThrow(/format 3/);
    expect(deadlinesOf(decodeSet(bytes))).toEqual([123]);
  });

  it('keeps the deadline through a hint and its replay', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    const set = update(empty<StoredValue>(), [], 'a', live(enc.encode('v'), 9_000));
    const hints = new EngineHintStore(a.engine, a.store);
    await hints.put('b', 'k', set, 0);
    const [hint] = await hints.list('b', 10);
    expect(deadlinesOf(hint?.set)).toEqual([9_000]);
    await applyLocally(b.store, new EngineHintStore(b.engine, b.store), clock, 'k', hint?.set as StoredSet, undefined);
    expect(deadlinesOf(b.store.readSet('k'))).toEqual([9_000]);
  });

  it('repairs a missing deadline by anti-entropy, whose Merkle digest covers the deadline', async () => {
    const clock = new TestClock();
    const { a, b, c } = replicas(clock);
    await Promise.all([a.started, b.started, c.started]);
    const withDeadline = update(empty<StoredValue>(), [], 'a', live(enc.encode('v'), 9_000));
    const withoutDeadline = update(empty<StoredValue>(), [], 'a', live(enc.encode('v')));
    // Same dot, different payloads (what a deadline-blind writer would leave): the trees must differ.
    await a.store.syncIn('k', withDeadline);
    await b.store.syncIn('k', withoutDeadline);
    expect(roots(a)).not.toEqual(roots(b));
    await c.store.syncIn('only-c', withDeadline);
    await c.ae.repair();
    expect(deadlinesOf(a.store.readSet('only-c'))).toEqual([9_000]);
    expect(deadlinesOf(b.store.readSet('only-c'))).toEqual([9_000]);
  });
});

describe('collecting expired versions', () => {
  it('indexes an expiring set when written and collects it only once expired, past grace and confirmed by every replica', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    clock.nowMs = 1_000;
    await a.store.write('k', undefined, enc.encode('v'), false, 1_000 + 10 * graceMs);
    expect(a.engine.getSync(tombstoneKey(storageKey('k')))).toBeDefined();
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = 1_000 + 2 * graceMs; // past grace, not expired
    expect((await a.ae.sweepTombstones()).collected).toBe(0);
    expect(a.store.read('k', clock.nowMs).found).toBe(true);
    clock.nowMs = 1_000 + 10 * graceMs;
    expect((await a.ae.sweepTombstones()).collected).toBe(1);
    expect(a.store.readSet('k')).toBeUndefined();
    expect(a.engine.getSync(tombstoneKey(storageKey('k')))).toBeUndefined();
  });

  it('does not index a set with a value that never expires, and never collects it', async () => {
    const clock = new TestClock();
    const { a } = replicas(clock);
    await a.store.write('k', undefined, enc.encode('ttl'), false, 10);
    await a.store.write('k', undefined, enc.encode('forever'), false);
    expect(a.engine.getSync(tombstoneKey(storageKey('k')))).toBeUndefined();
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = 10 * graceMs;
    expect((await a.ae.sweepTombstones()).scanned).toBe(0);
    expect(a.store.read('k', clock.nowMs).siblings).toHaveLength(1);
  });

  it('cannot resurrect a collected expired version from a replica that still holds it: it comes back expired and is collected again', async () => {
    const clock = new TestClock();
    const { a, b } = replicas(clock);
    await a.store.write('k', undefined, enc.encode('v'), false, 100);
    const held = a.store.readSet('k') as StoredSet;
    await b.store.syncIn('k', held);
    exchanged(a, 'b');
    exchanged(a, 'c');
    clock.nowMs = graceMs;
    expect((await a.ae.sweepTombstones()).collected).toBe(1);
    // b (its sweep has not run) gives the version back: same dot, same deadline.
    await a.store.syncIn('k', b.store.readSet('k') as StoredSet);
    expect(a.store.read('k', clock.nowMs).found).toBe(false);
    expect(a.engine.getSync(tombstoneKey(storageKey('k')))).toBeDefined();
    // And an older version the expired one superseded cannot come back on b: b holds the newer set.
    const older = update(empty<StoredValue>(), [], 'a', live(enc.encode('older')));
    const newer = update(older, context(older), 'a', live(enc.encode('v'), 100));
    expect(sync(newer, older)).toEqual(newer);
    expect(tombstone.tombstone).toBe(true);
  });
});
