import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey, positionToBytes } from '@ringkv/hashring';
import { isProtocolError } from '@ringkv/protocol';
import { testSeed, seedNote } from '@ringkv/sim';
import { MemoryEngine, openMemoryEngine } from '../../test/support/memory-engine.js';
import type { EngineOp } from './engine-port.js';
import { toProtocolError } from './failures.js';
import { dataPrefix, storageKey } from './keys.js';
import { ReplicaStore, type StoreConfig } from './replica-store.js';

const config: StoreConfig = { actor: 'n1', siblingsMax: 64, setBytesMax: 1024 * 1024, durability: 'none' };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const values = (store: ReplicaStore, key: string): string[] =>
  store.read(key, 0).siblings.map((s) => ('value' in s ? new TextDecoder().decode(s.value) : '⊥')).sort();

let dirs = 0;
async function fresh(overrides: Partial<StoreConfig> = {}): Promise<{ store: ReplicaStore; engine: MemoryEngine }> {
  const engine = (await openMemoryEngine(`mem-${dirs++}`, { durability: 'none', syncIntervalMs: 1, keyBytesMax: 2048, valueBytesMax: 1 })) as MemoryEngine;
  return { store: new ReplicaStore(engine, { ...config, ...overrides }), engine };
}

/** An engine whose batches wait until released, to hold writes in flight. */
class GatedEngine extends MemoryEngine {
  private gates: (() => void)[] = [];
  override async batch(ops: readonly EngineOp[]): Promise<void> {
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return super.batch(ops);
  }
  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
  get waiting(): number {
    return this.gates.length;
  }
}

describe('storage key layout', () => {
  it('is the prefix d, the 8-byte ring position of the key bytes, then the key bytes', () => {
    const k = storageKey('user:42');
    expect(k[0]).toBe(dataPrefix);
    expect(Buffer.from(k.subarray(1, 9))).toEqual(Buffer.from(positionToBytes(hashKey(bytes('user:42')))));
    expect(new TextDecoder().decode(k.subarray(9))).toBe('user:42');
    expect(Buffer.from(storageKey(bytes('user:42')))).toEqual(Buffer.from(k));
  });
});

describe('ReplicaStore', () => {
  it('two writes with the same context in one batch both survive as siblings', async () => {
    const { store, engine } = await fresh();
    const base = await store.write('k', undefined, bytes('base'), false);
    await Promise.all([store.write('k', base, bytes('a'), false), store.write('k', base, bytes('b'), false)]);
    expect(values(store, 'k')).toEqual(['a', 'b']);
    expect(engine.batches).toBe(2);
  });

  it('writes arriving while a batch is in the engine are serialised after it and committed together', async () => {
    const engine = new GatedEngine('gated', new Map());
    const store = new ReplicaStore(engine, config);
    const first = store.write('k', undefined, bytes('1'), false);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch starts after the turn it was issued in
    expect(engine.waiting).toBe(1);
    const later = [store.write('k', undefined, bytes('2'), false), store.write('k', undefined, bytes('3'), false)];
    expect(store.queuedWrites()).toBe(2);
    engine.release();
    await first;
    await Promise.resolve();
    await Promise.resolve();
    engine.release();
    await Promise.all(later);
    expect(values(store, 'k')).toEqual(['1', '2', '3']);
    expect(store.stats.batches).toBe(2);
    expect(store.stats.largestBatch).toBe(2);
  });

  it('a failed engine batch fails every write in it, and storage errors map to client codes', async () => {
    const { store, engine } = await fresh();
    engine.failWrites = 'no-space';
    const results = await Promise.allSettled([store.write('a', undefined, bytes('1'), false), store.write('b', undefined, bytes('2'), false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(toProtocolError((results[0] as PromiseRejectedResult).reason).code).toBe('unavailable');
    engine.failWrites = 'io';
    const io = await store.write('a', undefined, bytes('1'), false).catch((e: unknown) => e);
    expect(toProtocolError(io).code).toBe('internal');
    engine.failWrites = undefined;
    await store.write('a', undefined, bytes('ok'), false);
    expect(values(store, 'a')).toEqual(['ok']);
  });

  it('a write past siblingsMax is refused with a message saying how to resolve, and a covering write succeeds', async () => {
    const { store } = await fresh({ siblingsMax: 3 });
    for (const v of ['1', '2', '3']) await store.write('k', undefined, bytes(v), false);
    const refused = await store.write('k', undefined, bytes('4'), false).catch((e: unknown) => e);
    const e = toProtocolError(refused);
    expect(e.code).toBe('too-many-siblings');
    expect(e.message).toContain('would leave 4 siblings');
    expect(e.message).toContain('read the key and write with its context (or use update) to replace the siblings');
    expect(values(store, 'k')).toEqual(expect.arrayContaining(['1', '2', '3']));
    await store.write('k', store.read('k', 0).context, bytes('merged'), false);
    expect(values(store, 'k')).toEqual(['merged']);
  });

  it('a write that would make the stored set larger than setBytesMax is refused', async () => {
    const { store } = await fresh({ setBytesMax: 3000 });
    await store.write('k', undefined, new Uint8Array(2000), false);
    const refused = await store.write('k', undefined, new Uint8Array(2000), false).catch((e: unknown) => e);
    expect(isProtocolError(refused) && refused.code).toBe('value-too-large');
    expect(store.read('k', 0).siblings.length).toBe(1);
  });

  it('a corrupt stored record is an internal error for that key only', async () => {
    const { store, engine } = await fresh();
    await store.write('good', undefined, bytes('fine'), false);
    await engine.batch([{ type: 'put', key: storageKey('bad'), value: new Uint8Array([0x93, 1, 2]) }]);
    let thrown: unknown;
    try {
      store.read('bad', 0);
    } catch (e) {
      thrown = e;
    }
    expect(toProtocolError(thrown).code).toBe('internal');
    expect(values(store, 'good')).toEqual(['fine']);
  });

  it('n concurrent writes with the context of one read leave exactly those n values', async () => {
    const seed = testSeed(42);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 12 }), async (vs) => {
        const { store } = await fresh();
        await store.write('k', undefined, bytes('old'), false);
        const ctx = store.read('k', 0).context;
        await Promise.all(vs.map((v) => store.write('k', ctx, bytes(v), false)));
        expect(values(store, 'k'), seedNote(seed)).toEqual([...vs].sort());
      }),
      { seed, numRuns: 50 },
    );
  });
});

describe('ReplicaStore group commit', () => {
  it('writes issued in one event-loop turn share one engine batch, each resolving with its own context', async () => {
    const { store, engine } = await fresh();
    const keys = ['a', 'b', 'c', 'a'];
    const contexts = await Promise.all(keys.map((k, i) => store.write(k, undefined, bytes(`v${i}`), false)));
    expect(engine.batches).toBe(1);
    expect(store.stats.largestBatch).toBe(4);
    for (const k of keys) expect(store.read(k, 0).siblings.length).toBe(k === 'a' ? 2 : 1);
    expect(Buffer.from(contexts[3] as Uint8Array)).toEqual(Buffer.from(store.read('a', 0).context));
    expect(Buffer.from(contexts[1] as Uint8Array)).toEqual(Buffer.from(store.read('b', 0).context));
  });

  it('writes issued from separate callbacks of one turn (several sockets read in one poll) share a batch', async () => {
    const { store, engine } = await fresh();
    const writes: Promise<Uint8Array>[] = [];
    await new Promise<void>((resolve) => {
      let left = 3;
      for (const k of ['x', 'y', 'z']) {
        setImmediate(() => {
          writes.push(store.write(k, undefined, bytes(k), false));
          if (--left === 0) resolve();
        });
      }
    });
    await Promise.all(writes);
    expect(engine.batches).toBe(1);
    expect(values(store, 'y')).toEqual(['y']);
  });

  it('settled waits for a write that is gathered but not yet in the engine', async () => {
    const { store, engine } = await fresh();
    void store.write('k', undefined, bytes('1'), false);
    expect(engine.batches).toBe(0);
    await store.settled();
    expect(engine.batches).toBe(1);
    expect(values(store, 'k')).toEqual(['1']);
  });

  it('a synchronous gather starts each batch at once (the former behaviour)', async () => {
    const { store, engine } = await fresh({ gather: (start) => start() });
    await Promise.all([store.write('a', undefined, bytes('1'), false), store.write('b', undefined, bytes('2'), false)]);
    expect(engine.batches).toBe(2);
  });
});

describe('ReplicaStore batch bounds', () => {
  it('a batch stops at writeBatchBytesMax of encoded sets and the rest commit next, in order', async () => {
    const { store, engine } = await fresh({ setBytesMax: 64 * 1024 * 1024 });
    const big = new Uint8Array(12 * 1024 * 1024);
    // All six are issued in one turn: the first batch closes once its sets pass
    // 32 MiB (writes 1-3), and the rest (4, 5 and big1 again) follow in the next.
    const writes = [1, 2, 3, 4, 5].map((i) => store.write(`big${i}`, undefined, big, false));
    writes.push(store.write('big1', undefined, bytes('after'), false));
    await Promise.all(writes);
    expect(engine.batches).toBe(2);
    expect(store.stats.largestBatch).toBe(3);
    expect(store.read('big1', 0).siblings.length).toBe(2);
  });

  it('announces a batch\'s keys before the engine sees them and reports each after, unchanged when the batch failed', async () => {
    const { store, engine } = await fresh();
    const events: string[] = [];
    const hex = (b: Uint8Array | undefined): string => (b === undefined ? '-' : Buffer.from(b).toString('hex').slice(-6));
    store.observeIntent((keys) => events.push(`intent ${keys.map((k) => hex(k)).join(',')} stored=${hex(engine.getSync(keys[0] as Uint8Array))}`));
    store.observe((key, old, next) => events.push(`write ${hex(key)} ${hex(old)}→${hex(next)}`));
    await store.write('k', undefined, bytes('1'), false);
    const first = engine.getSync(storageKey('k'));
    expect(events).toEqual([`intent ${hex(storageKey('k'))} stored=-`, `write ${hex(storageKey('k'))} -→${hex(first)}`]);
    events.length = 0;
    engine.failWrites = 'io';
    await store.write('k', undefined, bytes('2'), false).catch(() => undefined);
    expect(events).toEqual([`intent ${hex(storageKey('k'))} stored=${hex(first)}`, `write ${hex(storageKey('k'))} ${hex(first)}→${hex(first)}`]);
  });
});
