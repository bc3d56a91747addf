/**
 * Consistency levels over two data centers with in-process nodes (README,
 * "Consistency levels"): with the other DC's nodes stopped, `local-quorum`
 * reads and writes go on, `each-quorum` and `quorum` fail with a typed,
 * determinate error (never a hang or a timeout), and once the DC is back
 * the hints the local DC kept reach it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeOptions, RingkvNode } from '../src/index.js';
import { clientPool, firstValueText } from './support/client.js';
import { agree, clusterStatus, get, put, seenDown, storedSets, valuesOf, waitUntil } from './support/cluster.js';
import { removeTempDirs, startTestNode, tempDir } from './support/node.js';

const running: RingkvNode[] = [];
const clients = clientPool();

afterEach(async () => {
  clients.terminateAll();
  await Promise.all(running.splice(0).map((n) => n.stop()));
  removeTempDirs();
});

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 4_000, durability: 'none', hintTtlMs: 3_600_000 };
const dcOf: Record<string, string> = { a: 'dc1', b: 'dc1', d: 'dc2', e: 'dc2' };

async function start(id: string, dataDir: string, seeds: string[], extra: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  const node = await startTestNode({ id, dataDir, seeds, ...fast, dc: dcOf[id] as string, machine: `m-${id}`, ...extra });
  running.push(node);
  return node;
}

describe('consistency levels across two data centers', () => {
  it('serves local-quorum with the other DC stopped, fails each-quorum and quorum cleanly, and converges by hints when it returns', async () => {
    const dirs = { a: tempDir(), b: tempDir(), d: tempDir(), e: tempDir() };
    const a = await start('a', dirs.a, [], { replicas: { dc1: 2, dc2: 2 } });
    const others = await Promise.all((['b', 'd', 'e'] as const).map((id) => start(id, dirs[id], [a.url])));
    const [b, d, e] = others as [RingkvNode, RingkvNode, RingkvNode];
    await waitUntil('four nodes agree', () => agree([a, b, d, e].map((n) => n.httpUrl), ['a', 'b', 'd', 'e']), 30_000);

    const ca = await clients.connect(a.url);
    const ring = await ca.request({ type: 'ring' });
    expect(ring).toMatchObject({ type: 'ring-ok', n: 4, replicas: { dc1: 2, dc2: 2 } });
    if (ring.type === 'ring-ok') expect(ring.members.map((m) => [m.id, m.dc, m.machine])).toEqual(Object.entries(dcOf).map(([id, dc]) => [id, dc, `m-${id}`]));
    const everywhere = await put(ca, 'k-before', 'v0', 0, { w: 'each-quorum', receipt: true });
    expect(everywhere.type, JSON.stringify(everywhere)).toBe('put-ok');
    if (everywhere.type === 'put-ok') {
      expect(everywhere.receipt).toMatchObject({ level: 'each-quorum', w: 4 });
      expect(Object.fromEntries((everywhere.receipt?.replicas ?? []).map((r) => [r.node, r.dc]))).toEqual(dcOf);
    }

    const ports = { d: Number(new URL(d.url).port), e: Number(new URL(e.url).port) };
    await Promise.all([d, e].map((n) => n.stop()));
    running.splice(running.indexOf(d), 1);
    running.splice(running.indexOf(e), 1);

    const acked = new Map<string, string>();
    for (let i = 0; i < 10; i++) {
      const reply = await put(ca, `k${i}`, `v${i}`, 0, { w: 'local-quorum' });
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`k${i}`, `v${i}`);
    }
    const batch = await ca.request({ type: 'batch', ops: [{ type: 'put', key: 'k-batch', value: new TextEncoder().encode('vb') }, { type: 'put', key: 'k-batch2', value: new TextEncoder().encode('vb') }], options: { w: 'local-quorum' } });
    expect(batch.type === 'batch-ok' && batch.results.map((r) => r.type), JSON.stringify(batch)).toEqual(['put-ok', 'put-ok']);
    // The batch's level reaches each op: the default W (2) would be met by dc1 alone, each-quorum is not.
    const strictBatch = await ca.request({ type: 'batch', ops: [{ type: 'put', key: 'k-batch3', value: new TextEncoder().encode('vb') }], options: { w: 'each-quorum' } });
    expect(strictBatch.type === 'batch-ok' && strictBatch.results.every((r) => r.type === 'error' && ['quorum-not-met', 'unavailable'].includes(r.code)), JSON.stringify(strictBatch)).toBe(true);
    const read = await get(ca, 'k3', 0, { r: 'local-quorum' });
    expect(firstValueText(read)).toBe('v3');
    for (const level of ['each-quorum', 'quorum']) {
      // Before gossip marks dc2 down the calls fail at once (quorum-not-met); after, the request is refused before sending (unavailable).
      const w = await put(ca, `k-${level}`, 'x', 0, { w: level });
      expect(w.type === 'error' && ['quorum-not-met', 'unavailable'].includes(w.code), JSON.stringify(w)).toBe(true);
      const r = await get(ca, 'k3', 0, { r: level });
      expect(r.type === 'error' && ['quorum-not-met', 'unavailable'].includes(r.code), JSON.stringify(r)).toBe(true);
    }
    await waitUntil('dc2 is seen down', async () => (await seenDown([a.httpUrl, b.httpUrl], 'd')) && (await seenDown([a.httpUrl, b.httpUrl], 'e')), 30_000);
    const refused = await put(ca, 'k-refused', 'x', 0, { w: 'each-quorum' });
    expect(refused.type === 'error' && refused.code, JSON.stringify(refused)).toBe('unavailable');
    expect(refused.type === 'error' && refused.message).toMatch(/each-quorum cannot be met/);
    expect(firstValueText(await get(ca, 'k4', 0, { r: 'local-one' }))).toBe('v4');

    await start('d', dirs.d, [a.url], { port: ports.d });
    await start('e', dirs.e, [a.url], { port: ports.e });
    await waitUntil('hints for dc2 are delivered', async () => {
      const all = await Promise.all([a, b].map((n) => clusterStatus(n.httpUrl)));
      return all.every((s) => (s.hintsPending['d'] ?? 0) === 0 && (s.hintsPending['e'] ?? 0) === 0);
    }, 60_000);
    await Promise.all(running.splice(0).map((n) => n.stop()));
    for (const id of ['d', 'e'] as const) {
      const sets = await storedSets(dirs[id], [...acked.keys()]);
      for (const [k, v] of acked) expect(valuesOf(sets.get(k)), `${k} on ${id}`).toEqual([v]);
    }
  }, 180_000);
});
