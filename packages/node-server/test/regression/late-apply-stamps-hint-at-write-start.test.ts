/**
 * Regression (reported by the whole-cluster simulation, tests/cluster-sim): a
 * sloppy-quorum stand-in stamped the hint it stored with the time the apply
 * reached it. An apply that arrived late (a network delay, a paused process)
 * gave the hint a TTL past the write's age, so it could outlive a later
 * delete's tombstone (grace ≥ hint TTL) and replay the deleted value. The
 * stand-in now stamps the hint with the write's start the coordinator sent
 * (`hintStampMs`), never later than its own clock.
 */
import { empty, live, update } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { EngineHintStore } from '../../src/cluster/hint-store.js';
import { applyLocally } from '../../src/cluster/replicas.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import type { StoredValue } from '../../src/store/set-codec.js';
import { openMemoryEngine } from '../support/memory-engine.js';

const clockAt = (ms: number) => ({ now: () => ms, setTimer: () => 0, clearTimer: () => {} });

describe('a hint stored by a stand-in', () => {
  it('is stamped with the write start the coordinator sent, not the late arrival, and never after its own clock', async () => {
    const engine = await openMemoryEngine('late-apply-stamp', { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
    const store = new ReplicaStore(engine, { actor: 's', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
    const hints = new EngineHintStore(engine, store);
    hints.open();
    const set = update(empty<StoredValue>(), [], 'a', live<StoredValue>(new TextEncoder().encode('v')));
    await applyLocally(store, hints, clockAt(900_000), 'late', set, 'p1', 100_000);
    await applyLocally(store, hints, clockAt(50_000), 'skewed', set, 'p1', 100_000);
    await applyLocally(store, hints, clockAt(70_000), 'unstamped', set, 'p1');
    const stamps = Object.fromEntries((await hints.list('p1', 10)).map((h) => [Buffer.from(h.key as Uint8Array).toString(), h.storedAtMs]));
    expect(stamps).toEqual({ late: 100_000, skewed: 50_000, unstamped: 70_000 });
    await engine.close();
  });
});
