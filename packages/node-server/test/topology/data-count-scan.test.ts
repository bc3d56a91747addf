/**
 * The start-up count of data records runs in chunks while writes land
 * (data-count.ts): seeded puts and deletes issued between chunks, some still
 * in flight when the next chunk scans their keys, must leave the count equal
 * to a scan of the engine once everything settled.
 */
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { live, tombstone } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { DataCount } from '../../src/topology/data-count.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import type { StoredValue } from '../../src/store/set-codec.js';
import { openMemoryEngine } from '../support/memory-engine.js';
import { dataRecordTotals } from './support.js';

const seed = testSeed(0xc0047);

describe('the chunked start-up count', () => {
  it('equals a scan of the engine after writes landed before, during and after the count', async () => {
    for (let round = 0; round < 20; round++) {
      const rng = new Rng(seed + round);
      const engine = await openMemoryEngine(`data-count-scan-${seed}-${round}`, { durability: 'none', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
      const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none', gather: (start: () => void) => start() });
      const write = (): Promise<unknown> => {
        const key = `k${rng.int(80)}`;
        const payload = rng.int(4) === 0 ? tombstone : live<StoredValue>(rng.bytes(1 + rng.int(40)));
        return store.update(key, [], payload);
      };
      for (let i = 0; i < 60; i++) await write();
      const count = new DataCount(engine);
      store.observe(count.observe);
      store.observeIntent(count.intent);
      const pending: Promise<unknown>[] = [];
      await count.count(async () => {
        for (let i = rng.int(6); i > 0; i--) pending.push(write());
        for (let i = rng.int(3); i > 0; i--) await Promise.resolve();
      }, 1 + rng.int(7));
      for (let i = 0; i < 20; i++) pending.push(write());
      await Promise.all(pending);
      await store.settled();
      const { keys, bytes, counted } = count.status();
      expect(counted).toBe(true);
      expect({ keys, bytes }, `round ${round} ${seedNote(seed)}`).toEqual(dataRecordTotals(engine));
      await engine.close();
    }
  });

  it('is partial, and says so, until the scan is done', async () => {
    const engine = await openMemoryEngine(`data-count-partial-${seed}`, { durability: 'none', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
    const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none', gather: (start: () => void) => start() });
    for (let i = 0; i < 10; i++) await store.update(`p${i}`, [], live<StoredValue>(Uint8Array.of(i)));
    const count = new DataCount(engine);
    const seen: { keys: number; counted: boolean }[] = [];
    await count.count(async () => void seen.push(count.status()), 4);
    expect(seen.map((s) => s.counted)).toEqual([false, false]);
    expect(seen.map((s) => s.keys)).toEqual([4, 8]);
    expect(count.status()).toMatchObject({ keys: 10, counted: true });
    await engine.close();
  });
});
