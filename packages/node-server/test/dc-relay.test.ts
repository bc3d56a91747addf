/**
 * WAN relaying with in-process nodes in two DCs (README, "Multi-DC writes";
 * cluster/dc-relay.ts): a write reaches both remote replicas through one
 * relay call, `wanRelay: false` restores one apply per replica, and a
 * remote replica that is gone fails (and is hinted) alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeOptions, RingkvNode } from '../src/index.js';
import { clientPool, type TestClient } from './support/client.js';
import { put, startLabelledCluster, waitUntil } from './support/cluster.js';
import { nodeTracker, removeTempDirs } from './support/node.js';

const nodes = nodeTracker();
const clients = clientPool();

afterEach(async () => {
  clients.terminateAll();
  await nodes.stopAll();
  removeTempDirs();
});

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 4_000, durability: 'none' };
const layout: Record<string, Partial<NodeOptions>> = { a: { dc: 'dc1' }, b: { dc: 'dc1' }, c: { dc: 'dc2' }, d: { dc: 'dc2' } };

/** a, b in dc1 and c, d in dc2, two replicas of every key in each: every key is on all four. */
function twoDcs(extra: Partial<NodeOptions> = {}): Promise<RingkvNode[]> {
  return startLabelledCluster(nodes, layout, { ...fast, ...extra }, { replicas: { dc1: 2, dc2: 2 }, w: 2, r: 1 });
}

/** A counter of node `node`'s /metrics: the sample of `family` whose labels include `labels`. */
async function metric(node: RingkvNode, family: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${family}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const applies = (n: RingkvNode): Promise<number> => metric(n, 'ringkv_peer_call_duration_seconds_count', 'call="apply"');
const relays = (n: RingkvNode): Promise<number> => metric(n, 'ringkv_peer_call_duration_seconds_count', 'call="relay"');

async function writeAll(c: TestClient, prefix: string, count: number, w: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const reply = await put(c, `${prefix}${i}`, `v${i}`, w, { receipt: true });
    expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
    if (reply.type !== 'put-ok') return;
    expect((reply.receipt?.replicas ?? []).filter((r) => r.outcome === 'ack').map((r) => r.node).sort()).toEqual(['a', 'b', 'c', 'd']);
  }
}

describe('multi-DC writes through one relay per remote DC', () => {
  it('sends each write’s two dc2 copies as one relay call: the coordinator makes one apply (to b) and one relay per write', async () => {
    const all = await twoDcs();
    const [a, , c, d] = all as [RingkvNode, RingkvNode, RingkvNode, RingkvNode];
    const client = await clients.connect(a.url);
    // Links open with gossip; a link serves relays once its hello-ok said so. Write until the first relay left.
    let warm = 0;
    await waitUntil('a relays', async () => {
      await writeAll(client, 'warm-', 1, 4);
      warm++;
      return (await relays(a)) > 0;
    });
    const before = { apply: await applies(a), relay: await relays(a), served: (await metric(c, 'ringkv_relay_calls_total', 'direction="in"')) + (await metric(d, 'ringkv_relay_calls_total', 'direction="in"')) };
    const count = 10;
    await writeAll(client, 'k', count, 4);
    expect((await applies(a)) - before.apply, 'one apply per write, to b').toBe(count);
    expect((await relays(a)) - before.relay, 'one relay per write, to dc2').toBe(count);
    const served = (await metric(c, 'ringkv_relay_calls_total', 'direction="in"')) + (await metric(d, 'ringkv_relay_calls_total', 'direction="in"'));
    expect(served - before.served).toBe(count);
    expect(await metric(a, 'ringkv_relay_targets_total'), 'each relay carried c and d').toBe(2 * (await metric(a, 'ringkv_relay_calls_total', 'direction="out"')));
    expect(await metric(a, 'ringkv_peer_wan_bytes_total')).toBeGreaterThan(0);
    expect(warm).toBeGreaterThan(0);
  });

  it('with wanRelay false, every remote replica gets its own apply and no relay is sent', async () => {
    const all = await twoDcs({ wanRelay: false });
    const a = all[0] as RingkvNode;
    const client = await clients.connect(a.url);
    await writeAll(client, 'warm-', 2, 4);
    const before = await applies(a);
    await writeAll(client, 'k', 5, 4);
    expect((await applies(a)) - before).toBe(15);
    expect(await relays(a)).toBe(0);
  });

  it('a dc2 replica that stopped fails alone: the write is acknowledged by the other three and a hint is kept for it', async () => {
    const all = await twoDcs();
    const [a, , , d] = all as [RingkvNode, RingkvNode, RingkvNode, RingkvNode];
    const client = await clients.connect(a.url);
    await waitUntil('a relays', async () => {
      await writeAll(client, 'warm-', 1, 4);
      return (await relays(a)) > 0;
    });
    await d.stop();
    const reply = await put(client, 'after-stop', 'v', 3, { receipt: true });
    expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
    if (reply.type !== 'put-ok') return;
    const outcomes = Object.fromEntries((reply.receipt?.replicas ?? []).map((r) => [r.hintFor ?? r.node, r.outcome]));
    expect(outcomes).toMatchObject({ a: 'ack', b: 'ack', c: 'ack' });
    expect(outcomes['d']).not.toBe('ack');
    await waitUntil('a hint for d on a', async () => (await metric(a, 'ringkv_hints_pending', 'target="d"')) > 0);
  });
});
