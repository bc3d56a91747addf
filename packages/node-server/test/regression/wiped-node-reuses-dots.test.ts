/**
 * Regression (found by the chaos run, tests/chaos, `--faults wipe`): a node
 * that lost its data directory, or crashed before its own copy of a write
 * was durable, restarted writing as the same vclock actor. Its next dot for
 * a key is derived from what it stores, so it issued a dot the other
 * replicas already held for another version, and DVV sync kept only one of
 * the two: an acknowledged write vanished. The node now takes a new
 * incarnation (actor `id#epoch`) after anything but a clean stop.
 */
import { live, sync, values, type DvvSet } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { actorOf, freshEpoch, nextIncarnation, readIncarnation } from '../../src/cluster/meta.js';
import { openNodeState, type StorageEngine } from '../../src/index.js';
import type { StoredValue } from '../../src/store/set-codec.js';
import { openMemoryEngine } from '../support/memory-engine.js';

const config = { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' as const };
const engineOptions = { durability: 'sync' as const, syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 };
const text = (set: DvvSet<StoredValue>): string[] => values(set).map((v) => (v.tombstone ? 'tombstone' : Buffer.from(v.value as Uint8Array).toString())).sort();
const put = (s: string) => live<StoredValue>(new TextEncoder().encode(s));

describe('a node that lost its writes does not reuse its dots', () => {
  it('a node wiped and restarted within the same second still gets another actor', async () => {
    const one = await openMemoryEngine('dots-same-second-1', engineOptions);
    const two = await openMemoryEngine('dots-same-second-2', engineOptions);
    const a = await openNodeState(one as StorageEngine, config, 1_000_000, { next: () => 0.25 });
    const b = await openNodeState(two as StorageEngine, config, 1_000_400, { next: () => 0.25 });
    expect(b.actor).not.toBe(a.actor);
    await one.close();
    await two.close();
  });

  it('a wiped node writes as a new actor, so its first write stays a sibling of what the other replicas hold', async () => {
    const first = await openMemoryEngine('dots-a-1', engineOptions);
    const before = await openNodeState(first as StorageEngine, config, 1_000_000);
    const x = await before.store.update('k', [], put('x'));
    // Another replica (b) holds x with a's dot; then a loses its disk.
    const wiped = await openMemoryEngine('dots-a-2', engineOptions);
    const after = await openNodeState(wiped as StorageEngine, config, 2_000_000);
    expect(after.actor).not.toBe(before.actor);
    const y = await after.store.update('k', [], put('y'));
    expect(text(sync(x, y))).toEqual(['x', 'y']);
    await first.close();
    await wiped.close();
  });

  it('a crash (no clean stop) starts a new incarnation; a clean stop keeps the actor', async () => {
    const engine = await openMemoryEngine('dots-crash', engineOptions);
    const one = await openNodeState(engine as StorageEngine, config, 5_000);
    const crashed = await openNodeState(engine as StorageEngine, config, 6_000);
    expect(crashed.actor).not.toBe(one.actor);
    await crashed.markCleanStop();
    const clean = await openNodeState(engine as StorageEngine, config, 7_000);
    expect(clean.actor).toBe(crashed.actor);
    expect(readIncarnation((k) => engine.getSync(k))?.clean).toBe(false);
    await engine.close();
  });

  it('the incarnation rule: kept only after a clean stop, otherwise a fresh epoch (never the previous one)', () => {
    expect(nextIncarnation(undefined, 42)).toEqual({ epoch: 42, clean: false });
    expect(nextIncarnation({ epoch: 7, clean: false }, 42)).toEqual({ epoch: 42, clean: false });
    expect(nextIncarnation({ epoch: 42, clean: false }, 42)).toEqual({ epoch: 43, clean: false });
    expect(nextIncarnation({ epoch: 7, clean: true }, 42)).toEqual({ epoch: 7, clean: false });
    expect(freshEpoch(1_000, 0.5)).toBe(1_000 * 1024 + 512);
    expect(freshEpoch(1_000, 0.5)).not.toBe(freshEpoch(1_000, 0.75));
    expect(actorOf('n1', 0)).toBe('n1');
    expect(actorOf('n1', 36)).toBe('n1#10');
  });
});
