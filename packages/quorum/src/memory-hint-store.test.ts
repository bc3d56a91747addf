import { describe, expect, it } from 'vitest';
import { empty, live, update, values } from '@ringkv/vclock';
import { MemoryHintStore } from './memory-hint-store.js';

const a = update(empty<string>(), [], 'n1', live('a'));
const b = update(a, [], 'n1', live('b'));

describe('MemoryHintStore', () => {
  it('merges a second hint for the same target and key with sync and keeps the newer store time', async () => {
    const store = new MemoryHintStore<string>();
    await store.put('t', 'k', a, 10);
    await store.put('t', 'k', update(empty<string>(), [], 'n2', live('c')), 5);
    const [hint] = await store.list('t', 10);
    expect(values(hint!.set).map((s) => (s.tombstone ? '' : s.value)).sort()).toEqual(['a', 'c']);
    expect(hint!.storedAtMs).toBe(10);
    expect(await store.count()).toBe(1);
  });

  it('lists in key order after a cursor, up to the limit', async () => {
    const store = new MemoryHintStore<string>();
    for (const key of ['k3', 'k1', 'k2', 'k4']) await store.put('t', key, a, 0);
    const first = await store.list('t', 2);
    expect(first.map((h) => h.key)).toEqual(['k1', 'k2']);
    expect((await store.list('t', 5, 'k2')).map((h) => h.key)).toEqual(['k3', 'k4']);
  });

  it('keeps a hint that changed since it was sent and deletes one that did not', async () => {
    const store = new MemoryHintStore<string>();
    await store.put('t', 'k', a, 0);
    await store.put('t', 'k', b, 1);
    expect(await store.delete('t', 'k', a)).toBe(false);
    expect(await store.delete('t', 'k', b)).toBe(true);
    expect(await store.targets()).toEqual([]);
  });

  it('keeps string and byte keys apart', async () => {
    const store = new MemoryHintStore<string>();
    await store.put('t', 'ab', a, 0);
    await store.put('t', new Uint8Array([0x61, 0x62]), b, 0);
    expect(await store.count()).toBe(2);
  });
});
