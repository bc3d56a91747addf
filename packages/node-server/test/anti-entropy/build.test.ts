/**
 * The start-up tree build runs in chunks, a clock turn between them
 * (trees.ts invariants 4 and 5): the node serves reads and writes while it
 * runs, exchanges wait for it, and the finished trees equal trees rebuilt by
 * one full scan even when writes (committed or still in flight) interleave
 * with the chunks.
 */
import { HashRing } from '@ringkv/hashring';
import type { PeerMessage } from '@ringkv/protocol';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { live, tombstone } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { AntiEntropy } from '../../src/anti-entropy/service.js';
import { ReplicaTrees } from '../../src/anti-entropy/trees.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { MemoryEngine } from '../support/memory-engine.js';
import { aeCluster, TestClock, type TestNode } from './nodes.js';

/** A clock whose timers fire only when the test says so. */
class ManualClock {
  private timers: { fn: () => void; live: boolean }[] = [];
  now(): number {
    return 0;
  }
  setTimer(_delayMs: number, fn: () => void): unknown {
    const t = { fn, live: true };
    this.timers.push(t);
    return t;
  }
  clearTimer(handle: unknown): void {
    (handle as { live: boolean }).live = false;
  }
  /** Fires the timers due so far (one build chunk each); resolves after their continuations ran. */
  async turn(): Promise<void> {
    const due = this.timers.filter((t) => t.live);
    this.timers = [];
    for (const t of due) t.fn();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

const enc = new TextEncoder();
const ring = new HashRing({ vnodes: 16 }).addNode('a').addNode('b').addNode('c');
let seq = 0;

function storeOn(engine: MemoryEngine): ReplicaStore {
  return new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none', gather: (start: () => void) => start() } as ConstructorParameters<typeof ReplicaStore>[1]);
}

/** A node 'a' (N = 2 of a, b, c) with `keys` keys already stored, its anti-entropy not started. */
async function nodeWith(keys: number, chunkKeys: number): Promise<{ engine: MemoryEngine; store: ReplicaStore; ae: AntiEntropy; clock: ManualClock; calls: string[] }> {
  const engine = new MemoryEngine(`build-${seq++}`, new Map());
  const store = storeOn(engine);
  for (let i = 0; i < keys; i++) await store.update(`key-${i}`, [], live(enc.encode(`v${i}`)));
  const clock = new ManualClock();
  const calls: string[] = [];
  const ae = new AntiEntropy({
    selfId: 'a', n: 2, ring: () => ring, down: () => new Set(), addressOf: (id) => id, engine, store,
    call: async (address, body): Promise<PeerMessage> => {
      calls.push(`${address}:${body.type}`);
      throw new Error('no peer in this test');
    },
    clock, random: { next: () => 0.5 }, intervalMs: 0, buildChunkKeys: chunkKeys, busyShareMax: 1,
  });
  store.observe(ae.observe);
  store.observeIntent(ae.intent);
  return { engine, store, ae, clock, calls };
}

/** Root of every group of `trees`, as `group=root`. */
function roots(trees: ReplicaTrees): string[] {
  return trees.groups().map((g) => `${g}=${trees.tree(g).root()}`);
}

function fullScan(engine: MemoryEngine, bucketsLog2: number): ReplicaTrees {
  const trees = new ReplicaTrees({ selfId: 'a', n: 2, ring: () => ring, engine, bucketsLog2 });
  trees.rebuild();
  return trees;
}

describe('chunked start-up tree build', () => {
  it('serves reads and writes while the build is still running, and exchanges wait for it', async () => {
    const { engine, store, ae, clock, calls } = await nodeWith(500, 50);
    const built = ae.start();
    let done = false;
    void built.then(() => (done = true));
    await clock.turn();
    expect(ae.trees.isBuilding).toBe(true);
    // A read and a write complete between chunks, before the build has finished.
    expect(store.readSet('key-321')?.entries.length).toBe(1);
    await store.update('key-321', [], tombstone);
    await store.update('new-key', [], live(enc.encode('x')));
    expect(ae.trees.isBuilding).toBe(true);
    // A pass asked for now waits: no peer call until the build is done.
    const pass = ae.repair();
    await clock.turn();
    expect(calls).toEqual([]);
    expect(done).toBe(false);
    for (let i = 0; i < 20 && !done; i++) await clock.turn();
    expect(done).toBe(true);
    await pass;
    expect(calls.length).toBeGreaterThan(0);
    expect(roots(ae.trees)).toEqual(roots(fullScan(engine, ae.trees.bucketsLog2)));
  });

  it('ends with the trees of a full scan when writes, committed or in flight, land during the build', async () => {
    const seed = testSeed(4242);
    const rng = new Rng(seed);
    for (let round = 0; round < 8; round++) {
      const { engine, store, ae, clock } = await nodeWith(400, 1 + rng.int(40));
      const built = ae.start();
      let done = false;
      void built.then(() => (done = true));
      const writes: Promise<unknown>[] = [];
      while (!done) {
        // Between chunks: a few writes, some awaited, some left in flight across the next chunk.
        for (let w = rng.int(6); w > 0; w--) {
          const key = `key-${rng.int(600)}`;
          const write = rng.next() < 0.3 ? store.update(key, [], tombstone) : store.update(key, [], live(enc.encode(`r${round}w${w}`)));
          if (rng.next() < 0.5) await write;
          else writes.push(write);
        }
        await clock.turn();
      }
      await Promise.all(writes);
      await store.settled();
      expect(roots(ae.trees), seedNote(seed)).toEqual(roots(fullScan(engine, ae.trees.bucketsLog2)));
    }
  });

  it('after a ring change stops the running build at its next turn and rebuilds in chunks, serving writes meanwhile', async () => {
    const { engine, store, ae, clock } = await nodeWith(300, 20);
    const built = ae.start();
    await clock.turn();
    expect(ae.trees.isBuilding).toBe(true);
    const rebuildsBefore = ae.trees.rebuilds;
    ae.onRingChange();
    // The old build stops at its next turn; the new one is chunked: still running after that turn, reporting how far it got.
    await clock.turn();
    expect(ae.buildStatus().building).toBe(true);
    expect(ae.buildStatus().keysScanned).toBeGreaterThan(0);
    expect(ae.buildStatus().progress).toBeGreaterThan(0);
    expect(ae.buildStatus().progress).toBeLessThan(1);
    await store.update('key-5', [], tombstone);
    await store.update('during-rebuild', [], live(enc.encode('x')));
    for (let i = 0; i < 40 && ae.trees.isBuilding; i++) await clock.turn();
    await built;
    expect(ae.buildStatus()).toEqual({ building: false, keysScanned: 301, progress: 1 });
    expect(ae.trees.rebuilds).toBe(rebuildsBefore + 1);
    expect(roots(ae.trees)).toEqual(roots(fullScan(engine, ae.trees.bucketsLog2)));
  });

  it('keeps a pass waiting when a ring change replaces the build it waited for, until the new build is done', async () => {
    const { ae, clock, calls } = await nodeWith(300, 20);
    const started = ae.start();
    let startDone = false;
    void started.then(() => (startDone = true));
    const pass = ae.repair();
    await clock.turn();
    ae.onRingChange();
    await clock.turn();
    await clock.turn();
    expect(ae.trees.isBuilding).toBe(true);
    expect(calls).toEqual([]);
    expect(startDone).toBe(false);
    for (let i = 0; i < 40 && ae.trees.isBuilding; i++) await clock.turn();
    await pass;
    expect(startDone).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
  });

  it('puts writes made during a ring-change rebuild into the trees: roots equal a replica that got the same writes without rebuilding', async () => {
    const seed = testSeed(5151);
    const rng = new Rng(seed);
    const nodes = aeCluster(['a', 'b'], { clock: new TestClock(), buildChunkKeys: 25 });
    const a = nodes.get('a') as TestNode;
    const b = nodes.get('b') as TestNode;
    await Promise.all([a.ae.trees.ready(), b.ae.trees.ready()]);
    const same = async (key: string, write: Promise<unknown>): Promise<void> => {
      await write;
      await b.store.syncIn(key, a.store.readSet(key) as NonNullable<ReturnType<ReplicaStore['readSet']>>);
    };
    for (let i = 0; i < 400; i++) await same(`k${i}`, a.store.update(`k${i}`, [], live(enc.encode(`v${i}`))));
    a.ae.onRingChange();
    let writesDuring = 0;
    while (a.ae.buildStatus().building) {
      // Between chunks: overwrites, deletes and new keys, applied to both replicas; some left in flight across the next chunk.
      const pending: Promise<void>[] = [];
      for (let w = rng.int(5); w > 0; w--, writesDuring++) {
        const key = `k${rng.int(500)}`;
        const next = rng.next() < 0.3 ? tombstone : live(enc.encode(`w${writesDuring}`));
        const write = same(key, a.store.update(key, [], next));
        if (rng.next() < 0.5) await write;
        else pending.push(write);
      }
      await new Promise((r) => setImmediate(r));
      await Promise.all(pending);
    }
    expect(writesDuring, seedNote(seed)).toBeGreaterThan(0);
    expect(a.ae.trees.rebuilds, seedNote(seed)).toBe(2);
    expect(String(a.ae.trees.tree('a,b').root()), seedNote(seed)).toBe(String(b.ae.trees.tree('a,b').root()));
    expect((await a.ae.repair()).bucketsDiffering, seedNote(seed)).toBe(0);
  });
});
