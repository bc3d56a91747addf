/**
 * A client of one data center against a real two-DC cluster (@ringkv/node-server
 * ×5 in this process): the client's preference lists are the nodes' own
 * (labels and replication map from `ring-ok`), its requests stay in its DC and
 * reach a replica there without a forward, and `local-quorum` is the DC's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { connect, isRingkvError, RingTable, type RingkvClient } from '@ringkv/client-sdk';

const root = mkdtempSync(join(tmpdir(), 'ringkv-sdk-dc-'));
const running: RingkvNode[] = [];
const open: RingkvClient[] = [];

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(running.map((n) => n.stop().catch(() => {})));
  rmSync(root, { recursive: true, force: true });
});

/** dc1: a and b share machine m1, c on m2; dc2: d and e. Each key: two dc1 machines, one dc2 node. */
const layout = { a: ['dc1', 'm1'], b: ['dc1', 'm1'], c: ['dc1', 'm2'], d: ['dc2', 'm3'], e: ['dc2', 'm4'] } as const;

async function node(id: keyof typeof layout, seeds: string[]): Promise<RingkvNode> {
  const [dc, machine] = layout[id];
  const n = await startNode({ id, dataDir: join(root, id), seeds, dc, machine, replicas: { dc1: 2, dc2: 1 }, gossipIntervalMs: 100, requestTimeoutMs: 3_000, logLevel: 'silent', durability: 'none' });
  running.push(n);
  return n;
}

async function poll(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 30_000; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let started: Promise<{ all: RingkvNode[]; probe: RingkvClient }> | undefined;

/** The five nodes (started once for the file), and a client without `dc` of node a, once every node sees the same five normal members. */
function cluster(): Promise<{ all: RingkvNode[]; probe: RingkvClient }> {
  started ??= (async () => {
    const a = await node('a', []);
    const all = [a, ...(await Promise.all((['b', 'c', 'd', 'e'] as const).map((id) => node(id, [a.url]))))];
    const probes = await Promise.all(all.map((n) => connect(n.url, { routing: 'any' })));
    open.push(...probes);
    // Every node must see the same five normal members, or a coordinator's preference list could still differ from the client's.
    await poll('every node sees five normal members on one ring version', async () => {
      const rings = await Promise.all(probes.map((p) => p.ring()));
      return new Set(rings.map((r) => r.version)).size === 1 && rings.every((r) => r.members.filter((m) => m.status === 'normal').length === 5);
    });
    return { all, probe: probes[0] as RingkvClient };
  })();
  return started;
}

async function listAll(client: RingkvClient): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const key of client.keys({ prefix: 'listed:', timeoutMs: 1_000 })) out.push(key);
  return out.sort();
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (e: unknown) => e);
}

describe('a client of one DC against a two-DC cluster', () => {
  it('computes the nodes’ preference lists and sends each request to a replica in its own DC, never to the other DC', async () => {
    const { all, probe } = await cluster();
    const a = all[0] as RingkvNode;
    const db = await connect(a.url, { dc: 'dc2', requestTimeoutMs: 5_000 });
    open.push(db);
    const table = RingTable.fromReply(await probe.ring()) as RingTable;
    for (let i = 0; i < 30; i++) {
      const key = `user:${i}`;
      const put = await db.put(key, i, { w: 'local-quorum', receipt: true });
      const primaries = (put.receipt?.replicas ?? []).filter((r) => r.role === 'primary').map((r) => r.node);
      expect([...primaries].sort(), key).toEqual([...table.replicas(key)].sort());
      expect(put.receipt, key).toMatchObject({ forwarded: false, level: 'local-quorum', w: 1 });
      expect(layout[put.receipt?.coordinator as keyof typeof layout][0], key).toBe('dc2');
      const got = await db.get(key, { r: 'each-quorum', receipt: true });
      expect(got.values, key).toEqual([i]);
      expect(got.receipt?.replicas.map((r) => [r.node, r.dc]).sort(), key).toEqual(primaries.map((id) => [id, layout[id as keyof typeof layout][0]]).sort());
    }
    expect([...db.requestsByNode.keys()].sort()).toEqual(['d', 'e']);
  }, 120_000);

  // Stops d and e: the last test of the file.
  it('lists keys (scan, keys()) through a node of its own DC; with none left fails dc-unreachable, or with dcFailover scans through the seed', async () => {
    const { all, probe } = await cluster();
    const [a, , , d, e] = all as [RingkvNode, RingkvNode, RingkvNode, RingkvNode, RingkvNode];
    const written = Array.from({ length: 25 }, (_, i) => `listed:${i}`);
    // W = 3: every replica of both DCs holds each key, so the dc1 nodes list them all once dc2 is gone.
    for (const key of written) await probe.put(key, 1, { w: 3 });
    const lister = await connect(a.url, { dc: 'dc2', requestTimeoutMs: 5_000 });
    const failover = await connect(a.url, { dc: 'dc2', dcFailover: true, requestTimeoutMs: 5_000 });
    open.push(lister, failover);
    const listed: unknown[] = [];
    for await (const key of lister.keys({ prefix: 'listed:', limit: 10 })) listed.push(key);
    expect(listed.sort()).toEqual([...written].sort());
    expect(await listAll(lister)).toEqual([...written].sort());
    const paged: unknown[] = [];
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      const page = await lister.scan({ prefix: 'listed:', limit: 1_000, ...(cursor === undefined ? {} : { cursor }) });
      paged.push(...page.keys);
      cursor = page.cursor;
    }
    expect(paged.sort()).toEqual([...written].sort());
    // The seed (a, dc1) carried only the ring: every page went to a dc2 node.
    const pages = [...lister.requestsByNode.values()].reduce((x, y) => x + y, 0);
    expect([...lister.requestsByNode.keys()].every((id) => id === 'd' || id === 'e'), JSON.stringify([...lister.requestsByNode])).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(2);

    await Promise.all([d.stop(), e.stop()]);
    // Until the client sees its dc2 connections closed, a page may still be sent to one and fail with it.
    await poll('a scan of the dc2 client fails dc-unreachable', async () => {
      const error = await errorOf(lister.scan({ prefix: 'listed:', timeoutMs: 300 }));
      return isRingkvError(error) && error.code === 'dc-unreachable';
    });
    expect([...lister.requestsByNode.keys()].filter((id) => id !== 'd' && id !== 'e'), 'nothing sent outside dc2').toEqual([]);
    // Likewise for the failover client; then its pages go to the seed, which lists every key from dc1.
    await poll('the failover client lists every key', async () => JSON.stringify(await listAll(failover).catch(() => [])) === JSON.stringify([...written].sort()));
    expect(failover.requestsByNode.get('a') ?? 0, 'the pages went through the seed').toBeGreaterThan(0);
  }, 120_000);
});
