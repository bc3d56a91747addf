/**
 * Token-aware routing against a real three-node cluster (@ringkv/node-server
 * ×3 in this process, seeds on loopback): requests land on a replica of
 * their key, a stopped node is routed around, and the ring is learned again
 * after a member joins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '@ringkv/node-server';
import { connect, RingTable, type RingkvClient } from '@ringkv/client-sdk';

const root = mkdtempSync(join(tmpdir(), 'ringkv-sdk-cluster-'));
const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'none', n: 3, r: 2, w: 2 };
const nodes: RingkvNode[] = [];
const clients: RingkvClient[] = [];

let started = 0;

async function start(id: string, seeds: string[], extra: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  // A directory per start, across tests: a test must not find the keys an earlier one wrote.
  const node = await startNode({ id, dataDir: join(root, `${id}-${started++}`), seeds, ...fast, ...extra });
  nodes.push(node);
  return node;
}

async function client(url: string, ringRefreshMs = 200): Promise<RingkvClient> {
  // A tcp:// seed makes every connection, pooled ones included, raw TCP (issue 12).
  const c = await connect(url, { ringRefreshMs, requestTimeoutMs: 3_000 });
  clients.push(c);
  return c;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when the node's ring lists exactly `ids`, all normal. */
async function sees(c: RingkvClient, ids: string[]): Promise<boolean> {
  const ring = await c.ring();
  return ring.members.length === ids.length && ring.members.every((m) => ids.includes(m.id) && m.status === 'normal');
}

/** A three-node cluster that agrees, and a client seeded with node `a` only (over TCP with `transport`). */
async function cluster(transport: 'websocket' | 'tcp' = 'websocket'): Promise<{ a: RingkvNode; b: RingkvNode; c: RingkvNode; db: RingkvClient; table: RingTable }> {
  const a = await start('a', []);
  const [b, c] = await Promise.all([start('b', [a.url]), start('c', [a.url])]);
  const db = await client(transport === 'tcp' ? a.tcpUrl : a.url);
  await waitUntil('node a sees a, b and c normal', () => sees(db, ['a', 'b', 'c']));
  const table = RingTable.fromReply(await db.ring()) as RingTable;
  // Pooled connections open in the background: wait until requests reach all three nodes directly.
  await waitUntil('the client routes to every node', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => db.get(`warm:${i}`)));
    return ['a', 'b', 'c'].every((id) => (db.requestsByNode.get(id) ?? 0) > 0);
  });
  return { a, b, c, db, table };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('token-aware routing against a three-node cluster', () => {
  for (const transport of ['websocket', 'tcp'] as const)
  it(`sends each request straight to the first replica of its key, so no node forwards (${transport})`, async () => {
    const { db, table } = await cluster(transport);
    for (let i = 0; i < 40; i++) {
      const key = `user:${i}`;
      const first = table.replicas(key)[0];
      const put = await db.put(key, i, { receipt: true });
      expect(put.receipt, key).toMatchObject({ coordinator: first, forwarded: false, op: 'put', n: 3, w: 2 });
      const got = await db.get(key, { receipt: true, r: 3 });
      expect(got.values).toEqual([i]);
      expect(got.receipt, key).toMatchObject({ coordinator: first, forwarded: false, op: 'get', r: 3 });
    }
  });

  it('routes around a stopped node: its keys go to the next replica, and writes at W=2 keep succeeding', async () => {
    const { c, db, table } = await cluster();
    const keys = Array.from({ length: 200 }, (_, i) => `k:${i}`).filter((k) => table.replicas(k)[0] === 'c').slice(0, 15);
    expect(keys.length).toBeGreaterThan(5);
    await c.stop();
    nodes.splice(nodes.indexOf(c), 1);
    for (const key of keys) {
      const put = await db.put(key, 'v', { receipt: true });
      expect(put.receipt?.coordinator, key).toBe(table.replicas(key)[1]);
      expect(put.receipt?.forwarded, key).toBe(false);
      const got = await db.get(key, { receipt: true });
      expect(got.values, key).toEqual(['v']);
      expect(got.receipt?.coordinator, key).not.toBe('c');
    }
  });

  it('learns a member that joins and then sends its keys to it directly', async () => {
    const a = await start('a', []);
    const b = await start('b', [a.url]);
    const db = await client(a.url);
    await waitUntil('a sees a and b', () => sees(db, ['a', 'b']));
    expect(db.requestsByNode.get('c')).toBeUndefined();
    await start('c', [a.url, b.url]);
    await waitUntil('a sees a, b and c', () => sees(db, ['a', 'b', 'c']));
    const table = RingTable.fromReply(await db.ring()) as RingTable;
    const key = Array.from({ length: 200 }, (_, i) => `j:${i}`).find((k) => table.replicas(k)[0] === 'c') as string;
    await waitUntil('a put of a key c owns is coordinated by c without forwarding', async () => {
      const put = await db.put(key, 'x', { receipt: true });
      return put.receipt?.coordinator === 'c' && !put.receipt.forwarded;
    });
    expect(db.requestsByNode.get('c') ?? 0).toBeGreaterThan(0);
  });

  it("with routing 'any' every request is coordinated by the seed's node, whatever the key", async () => {
    const { a, table } = await cluster();
    const any = await connect(a.url, { routing: 'any' });
    clients.push(any);
    const coordinators = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const put = await any.put(`any:${i}`, i, { receipt: true });
      coordinators.add(put.receipt?.coordinator ?? '?');
    }
    expect([...any.requestsByNode.keys()]).toEqual(['a']);
    expect([...coordinators]).toEqual(['a']);
    expect(new Set(Array.from({ length: 20 }, (_, i) => table.replicas(`any:${i}`)[0])).size).toBeGreaterThan(1);
  });
});
