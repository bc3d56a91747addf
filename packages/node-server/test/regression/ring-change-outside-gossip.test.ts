/**
 * Regression (found by the whole-cluster simulation, tests/cluster-sim, a
 * join and a leave under a write workload): topology announces this node's
 * own status (joining → normal, normal → leaving) by updating the ring view
 * directly, not through a gossip event, and that placement change reached no
 * ring listener. Anti-entropy's trees kept grouping keys by the old ring, and
 * the next write of a key the new ring placed on this node failed its batch
 * with `MerkleError bucket-empty`.
 */
import { WireCodec } from '@ringkv/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ClusterCore } from '../../src/cluster/core.js';
import { EngineHintStore } from '../../src/cluster/hint-store.js';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import { systemClock } from '../../src/cluster/system-clock.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { openMemoryEngine } from '../support/memory-engine.js';

const settings: ClusterSettings = { n: 2, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 150, vnodes: 16, weight: 1, zone: '', gossipIntervalMs: 1000, hintTtlMs: 3_600_000, seeds: [], clusterName: 'ringkv' };
const member = (id: string, status: 'normal' | 'joining') => ({ id, address: `ws://${id}`, generation: 1, heartbeat: 1, status, vnodes: 16, weight: 1, zone: '' });

describe('ring change outside gossip', () => {
  it('a placement change made by updating the view directly reaches the ring listeners once', async () => {
    const engine = await openMemoryEngine('ring-change-outside-gossip', { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
    const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
    const core = new ClusterCore({
      id: 'a', address: 'ws://a', generation: 1, settings, store, hints: new EngineHintStore(engine, store), clock: systemClock, random: { next: () => 0.5 },
      transport: { send: () => {}, onMessage: () => {} }, peers: { call: () => Promise.reject(new Error('no peers')) }, codec: new WireCodec(), log: pino({ level: 'silent' }),
    });
    const versions: number[] = [];
    core.onRingChange((v) => versions.push(v));
    core.view.update([member('a', 'joining'), member('b', 'normal')]);
    expect(versions).toEqual([core.view.version]);
    core.view.update([member('a', 'normal'), member('b', 'normal')]); // what topology does when the join completes
    expect(versions).toHaveLength(2);
    core.view.update([member('a', 'normal'), member('b', 'normal')]);
    expect(versions).toHaveLength(2);
    expect(core.counters.ringChanges).toBe(2);
    core.stop();
    await engine.close();
  });
});
