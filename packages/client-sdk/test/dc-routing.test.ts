/**
 * `connect(seeds, { dc, dcFailover })` against scripted nodes in two DCs:
 * requests go only to the client's DC, a DC with no reachable node fails
 * with `dc-unreachable` (nothing sent) unless failover is on, and the
 * consistency levels are checked before anything is sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RingMember } from '@ringkv/protocol';
import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];
const clients: RingkvClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** a in dc1, b in dc2; every key has one replica in each (dc1:1, dc2:1). */
async function twoDcs(): Promise<{ a: FakeServer; b: FakeServer; members: RingMember[] }> {
  const members: RingMember[] = [];
  const ring = () => ({ version: 1, n: 2, replicas: { dc1: 1, dc2: 1 }, members });
  const a = await startFakeServer({ nodeId: 'a', ring });
  const b = await startFakeServer({ nodeId: 'b', ring });
  servers.push(a, b);
  const m = (id: string, url: string, dc: string): RingMember => ({ id, url, vnodes: 64, weight: 1, zone: '', dc, rack: '', machine: id, status: 'normal' });
  members.push(m('a', a.url, 'dc1'), m('b', b.url, 'dc2'));
  return { a, b, members };
}

const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
const keyRequests = (s: FakeServer): number => s.requests.filter((r) => r.type !== 'ring').length;

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (e: unknown) => e);
}

describe('routing to one data center', () => {
  it('sends every request to the client’s DC, even through a seed of the other DC', async () => {
    const { a, b } = await twoDcs();
    const db = await connect(a.url, { dc: 'dc2', batching: false });
    clients.push(db);
    for (const key of keys) await db.put(key, 'v', { w: 'local-quorum' });
    for (const key of keys) expect((await db.get(key, { r: 'local-one' })).values).toEqual(['v']);
    expect(keyRequests(a)).toBe(0);
    expect(keyRequests(b)).toBe(2 * keys.length);
    expect(await db.ring()).toMatchObject({ replicas: { dc1: 1, dc2: 1 }, members: [{ id: 'a', dc: 'dc1' }, { id: 'b', dc: 'dc2' }] });
    // (The first request may have waited for the dc2 connection: it carries the rest of its timeout too.)
    const put = b.requests.filter((r) => r.type === 'put').at(-1);
    expect(put?.type === 'put' && put.options).toEqual({ w: 'local-quorum' });
  });

  it('fails with dc-unreachable when no node of its DC answers, without sending elsewhere; with dcFailover it uses the other DC', async () => {
    const { a, b } = await twoDcs();
    const db = await connect(a.url, { dc: 'dc2', batching: false, requestTimeoutMs: 300, reconnectCapMs: 50 });
    clients.push(db);
    await db.put('warm', 'v');
    await b.close();
    const error = await errorOf(db.get('k1'));
    expect(isRingkvError(error) && [error.code, error.indeterminate], String(error)).toEqual(['dc-unreachable', false]);
    expect(keyRequests(a)).toBe(0);

    const failover = await connect(a.url, { dc: 'dc2', dcFailover: true, batching: false, requestTimeoutMs: 2_000 });
    clients.push(failover);
    await failover.put('k2', 'v');
    expect(keyRequests(a)).toBe(1);
  });

  it('fails at once with dc-unreachable for a DC no member of the ring is in', async () => {
    const { a } = await twoDcs();
    const db = await connect(a.url, { dc: 'dc9' });
    clients.push(db);
    const error = await errorOf(db.get('k1'));
    expect(isRingkvError(error) && error.code).toBe('dc-unreachable');
    expect(String(error)).toMatch(/no member of the ring is in it/);
  });

  it('refuses a bad dc, dcFailover or level before connecting or sending', async () => {
    const { a } = await twoDcs();
    for (const options of [{ dc: '' }, { dc: 7 }, { dcFailover: 'yes' }, { dc: 'dc1', routing: 'any' }]) {
      const error = await errorOf(connect(a.url, options as never));
      expect(isRingkvError(error) && error.code, JSON.stringify(options)).toBe('invalid-argument');
    }
    const db = await connect(a.url);
    clients.push(db);
    for (const level of ['LOCAL_QUORUM', 'local', 0, 'each_quorum']) {
      const error = await errorOf(db.get('k', { r: level as never }));
      expect(isRingkvError(error) && error.code, String(level)).toBe('invalid-argument');
    }
    for (const level of ['local-one', 'local-quorum', 'each-quorum'] as const) await db.put('k', 'v', { w: level });
  });
});
