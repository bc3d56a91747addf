import { empty, live, update, type DvvSet } from '@ringkv/vclock';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHintStore, hintKey } from '../src/cluster/hint-store.js';
import * as limits from '../src/limits.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import type { StoredValue } from '../src/store/set-codec.js';
import { engines, openMemoryEngine } from './support/memory-engine.js';

let dirSeq = 0;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function open(dir: string): Promise<{ hints: EngineHintStore; close(): Promise<void> }> {
  const engine = await openMemoryEngine(dir, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
  const store = new ReplicaStore(engine, { actor: 'h', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
  const hints = new EngineHintStore(engine, store);
  hints.open();
  return { hints, close: () => engine.close() };
}

function setOf(actor: string, value: string, base: DvvSet<StoredValue> = empty()): DvvSet<StoredValue> {
  return update(base, [], actor, live(bytes(value) as StoredValue));
}

afterEach(() => {
  engines.length = 0;
});

describe('EngineHintStore', () => {
  it('keeps hints across a close and reopen, with their counts per target', async () => {
    const dir = `hints-${dirSeq++}`;
    const first = await open(dir);
    await first.hints.put('c', 'k1', setOf('a', 'one'), 10);
    await first.hints.put('c', 'k2', setOf('a', 'two'), 11);
    await first.hints.put('d', 'k1', setOf('a', 'three'), 12);
    await first.close();
    const again = await open(dir);
    expect(Object.fromEntries(again.hints.countsByTarget())).toEqual({ c: 2, d: 1 });
    expect(await again.hints.count()).toBe(3);
    const listed = await again.hints.list('c', 10);
    expect(listed.map((h) => Buffer.from(h.key as Uint8Array).toString()).sort()).toEqual(['k1', 'k2']);
    expect(listed.every((h) => h.target === 'c')).toBe(true);
  });

  it('merges a second hint for the same key with sync and keeps the newer store time', async () => {
    const { hints } = await open(`hints-${dirSeq++}`);
    await hints.put('c', 'k', setOf('a', 'x'), 10);
    await hints.put('c', 'k', setOf('b', 'y'), 20);
    const [h] = await hints.list('c', 10);
    expect(h?.storedAtMs).toBe(20);
    expect(h?.set.entries.map((e) => e.actor).sort()).toEqual(['a', 'b']);
    expect(await hints.count()).toBe(1);
  });

  it('deletes a hint only while it is still the set that was sent', async () => {
    const { hints } = await open(`hints-${dirSeq++}`);
    const sent = setOf('a', 'x');
    await hints.put('c', 'k', sent, 10);
    await hints.put('c', 'k', setOf('b', 'y'), 11);
    expect(await hints.delete('c', 'k', sent)).toBe(false);
    expect(await hints.count()).toBe(1);
    const [grown] = await hints.list('c', 1);
    expect(await hints.delete('c', 'k', grown?.set)).toBe(true);
    expect(await hints.count()).toBe(0);
    expect(await hints.targets()).toEqual([]);
  });

  it('pages through a target in key order with `after`, never crossing into another target', async () => {
    const { hints } = await open(`hints-${dirSeq++}`);
    for (let i = 0; i < 7; i++) await hints.put('c', `k${i}`, setOf('a', `v${i}`), i);
    await hints.put('cc', 'k0', setOf('a', 'other'), 1);
    const seen: string[] = [];
    let after: Uint8Array | string | undefined;
    for (let page = 0; page < 10; page++) {
      const batch = await hints.list('c', 3, after);
      if (batch.length === 0) break;
      seen.push(...batch.map((h) => Buffer.from(h.key as Uint8Array).toString()));
      after = batch[batch.length - 1]?.key;
    }
    expect(seen.sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  });

  it('answers a fallback read with the hint it holds for that primary only', async () => {
    const { hints } = await open(`hints-${dirSeq++}`);
    await hints.put('c', 'k', setOf('a', 'x'), 1);
    expect(hints.get('c', 'k')?.entries[0]?.actor).toBe('a');
    expect(hints.get('d', 'k')).toBeUndefined();
    expect(hints.get('c', 'other')).toBeUndefined();
  });

  it('stores, lists and returns the hint of a longest user key whole', async () => {
    const { hints } = await open(`hints-${dirSeq++}`);
    const longest = 'x'.repeat(limits.keyBytesMax);
    expect(hintKey('some-node-with-a-long-id'.repeat(5), longest).length).toBe(limits.keyBytesMax + limits.hintKeyOverheadBytes);
    expect(limits.hintKeyOverheadBytes + limits.keyBytesMax).toBeLessThanOrEqual(limits.engineKeyBytesMax);
    await hints.put('c', longest, setOf('a', 'x'), 1);
    expect(hints.get('c', longest)?.entries[0]?.actor).toBe('a');
    const listed = await hints.list('c', 10);
    expect(listed.map((h) => (typeof h.key === "string" ? h.key : new TextDecoder().decode(h.key)))).toEqual([longest]);
  });
});
