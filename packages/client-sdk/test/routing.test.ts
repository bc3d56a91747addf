/**
 * The routing layer against scripted nodes: which connection a request
 * takes, the pool bound, and a node that does not know `ring`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RingMember } from '@ringkv/protocol';
import { connect, RingTable, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeServer } from './fake-server.js';

const servers: FakeServer[] = [];
const clients: RingkvClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Two fake nodes that both report a ring of the two, N=1. */
async function pair(): Promise<{ a: FakeServer; b: FakeServer; ring: () => { version: number; n: number; members: RingMember[] } }> {
  const members: RingMember[] = [];
  const ring = () => ({ version: 1, n: 1, members });
  const a = await startFakeServer({ nodeId: 'a', ring });
  const b = await startFakeServer({ nodeId: 'b', ring });
  servers.push(a, b);
  members.push({ id: 'a', url: a.url, vnodes: 64, weight: 1, zone: '', status: 'normal' }, { id: 'b', url: b.url, vnodes: 64, weight: 1, zone: '', status: 'normal' });
  return { a, b, ring };
}

/** Polls `check`, running `step` (requests that open pooled connections lazily) between polls. */
async function until(check: () => boolean, step: () => Promise<unknown> = async () => {}): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) {
    await step();
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(check()).toBe(true);
}

/** Gets of every key: opens the pooled connections of the nodes they map to. */
function touchAll(db: RingkvClient): () => Promise<unknown> {
  return () => Promise.all(keys.map((k) => db.get(k)));
}

const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);

describe('routing', () => {
  it('sends each key to the node the ring names once its pooled connection is open', async () => {
    const { a, b, ring } = await pair();
    const table = RingTable.fromReply(ring()) as RingTable;
    const db = await connect(a.url, { batching: false });
    clients.push(db);
    await until(() => (db.requestsByNode.get('b') ?? 0) > 0, touchAll(db));
    const before = { a: a.requests.length, b: b.requests.length };
    await Promise.all(keys.map((k) => db.get(k)));
    const toB = keys.filter((k) => table.replicas(k)[0] === 'b').length;
    expect(b.requests.length - before.b).toBe(toB);
    expect(a.requests.length - before.a).toBe(keys.length - toB);
    expect(toB).toBeGreaterThan(0);
  });

  it('with poolConnectionsMax 0 or routing any, everything goes over the seed connection', async () => {
    const { a, b } = await pair();
    for (const options of [{ poolConnectionsMax: 0 }, { routing: 'any' as const }]) {
      const db = await connect(a.url, options);
      clients.push(db);
      await db.ring();
      await Promise.all(keys.map((k) => db.get(k)));
      expect(b.requests).toHaveLength(0);
      expect(b.openConnections()).toBe(0);
    }
  });

  it('stops asking a node that refuses the ring request, and keeps serving through it', async () => {
    const old = await startFakeServer({ nodeId: 'old' });
    servers.push(old);
    const db = await connect(old.url, { ringRefreshMs: 20 });
    clients.push(db);
    await until(() => old.ringRequests === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(old.ringRequests).toBe(1);
    await db.put('k', 'v');
    expect((await db.get('k')).values).toEqual(['v']);
  });

  it('refreshes the ring periodically and drops the connection of a member that left', async () => {
    const { a, b, ring } = await pair();
    const db = await connect(a.url, { ringRefreshMs: 20 });
    clients.push(db);
    await until(() => (db.requestsByNode.get('b') ?? 0) > 0, touchAll(db));
    const members = ring().members;
    members.splice(members.findIndex((m) => m.id === 'b'), 1);
    await until(() => b.openConnections() === 0);
    const before = b.requests.length;
    await Promise.all(keys.map((k) => db.get(k)));
    expect(b.requests.length).toBe(before);
  });
});
