/**
 * The cluster core without sockets: fake peer port and gossip transport, a
 * membership pushed into the view by hand. Checks how coordinator results
 * become protocol replies.
 */
import { WireCodec, isProtocolError, type PeerMessage } from '@ringkv/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCore } from '../src/cluster/core.js';
import { EngineHintStore } from '../src/cluster/hint-store.js';
import type { PeerCallBody } from '../src/cluster/peer-link.js';
import type { ClusterSettings } from '../src/cluster/settings.js';
import { systemClock } from '../src/cluster/system-clock.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { openMemoryEngine } from './support/memory-engine.js';

let seq = 0;
const cores: ClusterCore[] = [];
const settings: ClusterSettings = { n: 2, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 150, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 1000, hintTtlMs: 3_600_000, seeds: [], clusterName: 'ringkv' };

async function core(peer: (address: string, body: PeerCallBody) => Promise<PeerMessage>, overrides: Partial<ClusterSettings> = {}) {
  const engine = await openMemoryEngine(`core-${seq++}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
  const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' });
  const hints = new EngineHintStore(engine, store);
  const c = new ClusterCore({
    id: 'a', address: 'ws://a', generation: 1, settings: { ...settings, ...overrides }, store, hints, clock: systemClock, random: { next: () => 0.5 },
    transport: { send: () => {}, onMessage: () => {} }, peers: { call: (address, body) => peer(address, body) }, codec: new WireCodec(), log: pino({ level: 'silent' }),
  });
  c.view.update([
    { id: 'a', address: 'ws://a', generation: 1, heartbeat: 1, status: 'normal', vnodes: 64, weight: 1, zone: '' },
    { id: 'b', address: 'ws://b', generation: 1, heartbeat: 1, status: 'normal', vnodes: 64, weight: 1, zone: '' },
  ]);
  cores.push(c);
  return { core: c, hints, store };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (error) {
    if (isProtocolError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

afterEach(() => {
  for (const c of cores.splice(0)) c.stop();
});

describe('ClusterCore results', () => {
  it('answers timeout when the replica never answers within the deadline (indeterminate), and keeps a hint for it', async () => {
    const { core: c, hints, store } = await core(() => new Promise(() => {}));
    const e = await failure(c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, undefined, false));
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/may have been applied/);
    // The coordinator stores the hint without waiting for it; the store commits it in its next batch.
    await store.settled();
    expect(Object.fromEntries(hints.countsByTarget())).toEqual({ b: 1 });
  });

  it('answers quorum-not-met when the replica refuses', async () => {
    const { core: c } = await core(async () => {
      throw Object.assign(new Error('protocol: refused'), { name: 'ProtocolError', code: 'unavailable' });
    });
    const e = await failure(c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, undefined, false));
    expect(e.code).toBe('quorum-not-met');
  });

  it('answers unavailable, not an indeterminate quorum-not-met, when too few replicas are up to try: nothing is sent or written', async () => {
    let calls = 0;
    const { core: c, store } = await core(async () => {
      calls++;
      return { type: 'apply-ok', id: 0 };
    });
    c.view.update([{ id: 'b', address: 'ws://b', generation: 1, heartbeat: 2, status: 'down', vnodes: 64, weight: 1, zone: '' }]);
    const write = await failure(c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, undefined, false));
    expect(write.code).toBe('unavailable');
    expect(write.message).toMatch(/w=2 cannot be met: fewer than 2 replicas of this key are up .*nothing was written/);
    const read = await failure(c.run({ type: 'get', key: 'k' }, undefined, false));
    expect(read.code).toBe('unavailable');
    expect(read.message).toMatch(/r=2 cannot be met/);
    expect(calls).toBe(0);
    expect(store.read('k', 0).siblings).toHaveLength(0);
    await c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, { w: 1 }, false);
    expect(store.read('k', 0).siblings).toHaveLength(1);
  });

  it('refuses a count above N with unavailable before contacting anyone', async () => {
    let calls = 0;
    const { core: c } = await core(async () => {
      calls++;
      return { type: 'apply-ok', id: 0 };
    });
    expect((await failure(c.run({ type: 'get', key: 'k' }, { r: 3 }, false))).code).toBe('unavailable');
    expect(calls).toBe(0);
  });

  it('writes with w=one when the replica is silent, and says so in the receipt', async () => {
    const { core: c } = await core(() => new Promise(() => {}));
    const reply = await c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, { w: 'one', receipt: true }, false);
    expect(reply.type).toBe('put-ok');
    expect('receipt' in reply && reply.receipt?.w).toBe(1);
    expect('receipt' in reply && reply.receipt?.replicas.map((r) => `${r.node}:${r.outcome}`).sort()).toEqual(['a:ack', 'b:pending']);
  });

  it('answers a write with a receipt only when the request asked for one', async () => {
    const { core: c } = await core(async () => ({ type: 'apply-ok', id: 0 }));
    const plain = await c.run({ type: 'put', key: 'k', value: new Uint8Array([1]) }, { w: 'one' }, false);
    expect(plain.type).toBe('put-ok');
    expect('receipt' in plain).toBe(false);
    const del = await c.run({ type: 'delete', key: 'k' }, { w: 'one', receipt: true }, false);
    expect(del.type).toBe('delete-ok');
    expect('receipt' in del && del.receipt?.op).toBe('delete');
  });

  it('forwards a write for a key this node does not replicate to its replica and relays the reply', async () => {
    const sent: string[] = [];
    const { core: d } = await core(async (address, body) => {
      sent.push(`${address}:${body.type}`);
      const codec = new WireCodec();
      return { type: 'forward-ok', id: 1, reply: codec.encode({ type: 'put-ok', id: 0, context: new Uint8Array([0]) }) };
    }, { n: 1, r: 1, w: 1 });
    const key = Array.from({ length: 200 }, (_, i) => `k${i}`).find((k) => d.view.ring.preferenceList(k, 1)[0] === 'b') as string;
    const reply = await d.run({ type: 'put', key, value: new Uint8Array([1]) }, undefined, false);
    expect(reply.type).toBe('put-ok');
    expect(sent).toEqual(['ws://b:forward']);
    expect(d.counters.forwardedOut).toBe(1);
  });
});
