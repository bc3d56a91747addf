/**
 * Three nodes in one process on loopback: quorum writes and reads from every
 * node, forwarding from a non-replica, a stopped node (no leave, no handoff
 * of its own) while writes continue, its restart on the same data directory,
 * hint delivery, and every acknowledged write on every replica afterwards.
 */
import { HashRing } from '@ringkv/hashring';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '../src/index.js';
import { ringSpecs, ringVnodesBase } from '../src/cluster/ring-view.js';
import { connect, firstValueText, type TestClient } from './support/client.js';
import { agree, clusterStatus, get, put, seenDown, storedSets, valuesOf, waitUntil } from './support/cluster.js';
import { removeTempDirs, tempDir } from './support/node.js';

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'sync' };
const running: RingkvNode[] = [];
const clients: TestClient[] = [];

async function start(id: string, dataDir: string, seeds: string[], extra: Partial<NodeOptions>): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir, seeds, ...fast, ...extra });
  running.push(node);
  return node;
}

async function client(url: string): Promise<TestClient> {
  const c = await connect(url);
  clients.push(c);
  return c;
}

async function startCluster(extra: Partial<NodeOptions>): Promise<{ nodes: RingkvNode[]; dirs: string[] }> {
  const dirs = [tempDir(), tempDir(), tempDir()];
  const first = await start('a', dirs[0] as string, [], extra);
  const rest = await Promise.all([start('b', dirs[1] as string, [first.url], extra), start('c', dirs[2] as string, [first.url], extra)]);
  const nodes = [first, ...rest];
  await waitUntil('three nodes agree on the ring', () => agree(nodes.map((n) => n.httpUrl), ['a', 'b', 'c']));
  return { nodes, dirs };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(running.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(removeTempDirs);

describe('a three-node cluster in one process', () => {
  it('accepts W=2 writes through every node and reads them at R=2 from every node', async () => {
    const { nodes } = await startCluster({ n: 3, r: 2, w: 2 });
    const cs = await Promise.all(nodes.map((n) => client(n.url)));
    for (let i = 0; i < 12; i++) {
      const reply = await put(cs[i % 3] as TestClient, `k${i}`, `v${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
    }
    for (const c of cs) {
      for (let i = 0; i < 12; i++) expect(firstValueText(await get(c, `k${i}`, 2))).toBe(`v${i}`);
    }
    const status = await clusterStatus((nodes[0] as RingkvNode).httpUrl);
    const shares = status.members.map((m) => m.ownership.replica);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 6);
  });

  it('forwards a write sent to a node outside the key\'s preference list (N=2) and reports it in the receipt', async () => {
    const { nodes } = await startCluster({ n: 2, r: 1, w: 2 });
    const ring = HashRing.fromNodes(ringSpecs(['a', 'b', 'c'].map((id) => ({ id, status: 'normal' as const, vnodes: 64, weight: 1, zone: '' }))), { vnodes: ringVnodesBase });
    const key = Array.from({ length: 100 }, (_, i) => `fwd${i}`).find((k) => !ring.preferenceList(k, 2).includes('a')) as string;
    const owners = ring.preferenceList(key, 2);
    const viaA = await client((nodes[0] as RingkvNode).url);
    const reply = await put(viaA, key, 'forwarded', 2, { receipt: true });
    expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
    if (reply.type !== 'put-ok') return;
    expect(reply.receipt?.forwarded).toBe(true);
    expect(owners).toContain(reply.receipt?.coordinator);
    expect(reply.receipt?.replicas.filter((r) => r.outcome === 'ack').map((r) => r.node).sort()).toEqual([...owners].sort());
    for (const n of nodes) {
      const c = await client(n.url);
      expect(firstValueText(await get(c, key, 2))).toBe('forwarded');
    }
    const a = await clusterStatus((nodes[0] as RingkvNode).httpUrl);
    expect(a.forwarding.forwardedOut).toBeGreaterThanOrEqual(1);
  });

  it('answers a ring request with every member, and pushes ring-changed to a watcher when a node joins', async () => {
    const { nodes } = await startCluster({ n: 3, r: 2, w: 2 });
    const c = await client((nodes[1] as RingkvNode).url);
    const reply = await c.request({ type: 'ring', watch: true });
    expect(reply.type).toBe('ring-ok');
    if (reply.type !== 'ring-ok') return;
    expect(reply.members.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(reply.members.map((m) => m.url).sort()).toEqual(nodes.map((n) => n.url).sort());
    expect(reply.n).toBe(3);
    const status = await clusterStatus((nodes[0] as RingkvNode).httpUrl);
    expect(reply.version).toBe(status.ring.version);
    const pushed = c.nextUnsolicited();
    await start('d', tempDir(), [(nodes[0] as RingkvNode).url], { n: 3, r: 2, w: 2 });
    const changed = await pushed;
    expect(changed.type).toBe('ring-changed');
    await waitUntil('b sees d', async () => (await clusterStatus((nodes[1] as RingkvNode).httpUrl)).members.length === 4);
    const again = await c.request({ type: 'ring' });
    expect(again.type === 'ring-ok' && again.members.map((m) => m.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(again.type === 'ring-ok' && again.version).not.toBe(reply.version);
  });

  it('keeps serving W=2/R=2 with a node stopped, hands its hints over when it returns, and then every replica holds every acknowledged write', async () => {
    const { nodes, dirs } = await startCluster({ n: 3, r: 2, w: 2 });
    const [a, b, c] = nodes as [RingkvNode, RingkvNode, RingkvNode];
    const acked = new Map<string, string>();
    const ca = await client(a.url);
    for (let i = 0; i < 10; i++) {
      const reply = await put(ca, `before${i}`, `x${i}`, 2);
      if (reply.type === 'put-ok') acked.set(`before${i}`, `x${i}`);
    }
    const cPort = Number(new URL(c.url).port);
    await c.stop();
    running.splice(running.indexOf(c), 1);
    const cb = await client(b.url);
    for (let i = 0; i < 20; i++) {
      const reply = await put(i % 2 === 0 ? ca : cb, `during${i}`, `y${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`during${i}`, `y${i}`);
    }
    for (const [k, v] of acked) expect(firstValueText(await get(cb, k, 2)), k).toBe(v);
    await waitUntil('the stopped node is seen down', () => seenDown([a.httpUrl, b.httpUrl], 'c'));
    const all = await put(cb, 'needs-all', 'z', 3);
    expect(all.type === 'error' && all.code, JSON.stringify(all)).toBe('unavailable'); // refused before anything was sent: determinate, nothing written
    const pending = await Promise.all([a, b].map((n) => clusterStatus(n.httpUrl)));
    expect(pending.reduce((sum, s) => sum + (s.hintsPending['c'] ?? 0), 0)).toBeGreaterThanOrEqual(20);

    const back = await start('c', dirs[2] as string, [a.url], { n: 3, r: 2, w: 2, port: cPort });
    await waitUntil('hints for c are delivered', async () => {
      const all = await Promise.all([a, b].map((n) => clusterStatus(n.httpUrl)));
      return all.every((s) => (s.hintsPending['c'] ?? 0) === 0);
    });
    const keys = [...acked.keys()];
    await Promise.all(running.splice(0).map((n) => n.stop()));
    void back;
    for (const dir of dirs) {
      const sets = await storedSets(dir, keys);
      for (const [k, v] of acked) expect(valuesOf(sets.get(k)), `${k} in ${dir}`).toEqual([v]);
    }
  });
});
