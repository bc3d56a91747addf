/**
 * Ring updates by push: the SDK asks its seed's node to watch the ring
 * (`ring` with `watch: true`) and fetches the ring as soon as a
 * `ring-changed` push names a version it does not hold, so routing follows
 * a membership change without waiting for the periodic refresh (set to an
 * hour here, so only a push can explain what the tests see).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RingMember } from '@ringkv/protocol';
import { startNode, type NodeOptions, type RingkvNode } from '@ringkv/node-server';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { connect, RingTable, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeServer } from './fake-server.js';

const hourMs = 3_600_000;
const root = mkdtempSync(join(tmpdir(), 'ringkv-sdk-push-'));
const servers: FakeServer[] = [];
const nodes: RingkvNode[] = [];
const clients: RingkvClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function member(id: string, url: string): RingMember {
  return { id, url, vnodes: 64, weight: 1, zone: '', status: 'normal' };
}

async function track(c: Promise<RingkvClient>): Promise<RingkvClient> {
  const client = await c;
  clients.push(client);
  return client;
}

describe('ring-changed pushes from a scripted node', () => {
  it('asks to watch the ring, ignores a push of the version it holds, and fetches at once on a new version', async () => {
    let ring: { version: number; n: number; members: RingMember[] } = { version: 1, n: 1, members: [] };
    const a = await startFakeServer({ nodeId: 'a', ring: () => ring });
    const b = await startFakeServer({ nodeId: 'b', ring: () => ring });
    servers.push(a, b);
    ring = { version: 1, n: 1, members: [member('a', a.url)] };
    const db = await track(connect(a.url, { ringRefreshMs: hourMs, batching: false }));
    await waitUntil('the client watches the ring', () => a.ringWatches === 1);
    await db.get('sync'); // its reply follows ring-ok on the same socket: the table is in place

    a.push({ type: 'ring-changed', version: 1 });
    await db.get('sync'); // and follows the push
    expect(a.ringRequests).toBe(1);

    ring = { version: 2, n: 1, members: [member('a', a.url), member('b', b.url)] };
    const table = RingTable.fromReply(ring) as RingTable;
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`).filter((k) => table.replicas(k)[0] === 'b');
    expect(keys.length).toBeGreaterThan(0);
    a.push({ type: 'ring-changed', version: 2 });
    await waitUntil('the client refetched the ring', () => a.ringRequests === 2);
    expect(a.ringWatches).toBe(2);
    await waitUntil('keys b owns are sent to b', async () => {
      await Promise.all(keys.map((k) => db.get(k)));
      return (db.requestsByNode.get('b') ?? 0) > 0;
    });
    a.push({ type: 'ring-changed', version: 2 });
    await db.get('sync');
    expect(a.ringRequests).toBe(2);
  });

  it('keeps every request paired with its own reply while pushes are interleaved with out-of-order replies', async () => {
    const seed = testSeed(6161);
    const rng = new Rng(seed);
    const versions = [1, 7, 1, 0xffff_ffff, 1];
    let held: Array<() => void> = [];
    const a: FakeServer = await startFakeServer({
      nodeId: 'a',
      ring: () => ({ version: 1, n: 1, members: [member('a', a.url)] }),
      onRequest: (req) => {
        held.push(() => req.answer());
        if (held.length < 4) return;
        const batch = held;
        held = [];
        for (let i = batch.length - 1; i >= 0; i--) {
          a.push({ type: 'ring-changed', version: versions[rng.int(versions.length)] as number });
          (batch[i] as () => void)();
        }
        a.push({ type: 'ring-changed', version: 1 });
      },
    });
    servers.push(a);
    for (const routing of ['token-aware', 'any'] as const) {
      const db = await track(connect(a.url, { routing, ringRefreshMs: hourMs, batching: false }));
      const keys = Array.from({ length: 64 }, (_, i) => `${routing}:${i}`);
      await Promise.all(keys.map((k, i) => db.put(k, i)));
      const got = await Promise.all(keys.map((k) => db.get(k)));
      got.forEach((g, i) => expect(g.values, `${keys[i]} ${seedNote(seed)}`).toEqual([i]));
    }
  });
});

describe('ring-changed pushes from a real cluster', () => {
  const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'none', n: 3, r: 2, w: 2 };
  async function start(id: string, seeds: string[]): Promise<RingkvNode> {
    const node = await startNode({ id, dataDir: join(root, `${id}-${nodes.length}`), seeds, ...fast });
    nodes.push(node);
    return node;
  }
  /** True when the node's ring lists exactly `ids`, all normal (asked by a client that does not route). */
  async function sees(watcher: RingkvClient, ids: string[]): Promise<boolean> {
    const ring = await watcher.ring();
    return ring.members.length === ids.length && ring.members.every((m) => ids.includes(m.id) && m.status === 'normal');
  }

  it('routes to a fourth node that joins without waiting for the periodic refresh', async () => {
    const a = await start('a', []);
    await Promise.all([start('b', [a.url]), start('c', [a.url])]);
    const watcher = await track(connect(a.url, { routing: 'any' }));
    await waitUntil('a sees a, b and c', () => sees(watcher, ['a', 'b', 'c']));
    const db = await track(connect(a.url, { ringRefreshMs: hourMs, requestTimeoutMs: 3_000 }));
    await waitUntil('the client routes to b and c', async () => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => db.get(`warm:${i}`)));
      return ['b', 'c'].every((id) => (db.requestsByNode.get(id) ?? 0) > 0);
    });

    await start('d', [a.url]);
    await waitUntil('a sees d normal', () => sees(watcher, ['a', 'b', 'c', 'd']));
    const table = RingTable.fromReply(await watcher.ring()) as RingTable;
    const keys = Array.from({ length: 200 }, (_, i) => `d:${i}`).filter((k) => table.replicas(k)[0] === 'd').slice(0, 10);
    expect(keys.length).toBeGreaterThan(0);
    // No receipts (a forwarded one would trigger a refresh) and no lost connections: only the push can teach db about d.
    await waitUntil('keys d owns are sent to d', async () => {
      await Promise.all(keys.map((k) => db.get(k)));
      return (db.requestsByNode.get('d') ?? 0) > 0;
    });
  });
});
