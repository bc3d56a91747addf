/**
 * Conditional writes and ttl (issue 18) on three nodes in one process: a
 * write sent to a node outside the key's preference list (N = 2) is
 * forwarded with its ttl and condition, and a refusal comes back through
 * the forward with the versions the coordinator read.
 */
import { HashRing } from '@ringkv/hashring';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '../src/index.js';
import { ringSpecs, ringVnodesBase } from '../src/cluster/ring-view.js';
import { connect, firstValueText, type TestClient } from './support/client.js';
import { get, startThree, waitUntil } from './support/cluster.js';
import { removeTempDirs } from './support/node.js';

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'none', n: 2, r: 1, w: 2 };
const running: RingkvNode[] = [];
const clients: TestClient[] = [];
const enc = new TextEncoder();

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(running.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(removeTempDirs);

describe('conditional writes and ttl through a forward', () => {
  it('forwards ifAbsent and ttl to a replica, and relays condition-failed with the current versions', async () => {
    const { nodes } = await startThree(async (id, dataDir, seeds) => {
      const node = await startNode({ id, dataDir, seeds, ...fast });
      running.push(node);
      return node;
    });
    const ring = HashRing.fromNodes(ringSpecs(['a', 'b', 'c'].map((id) => ({ id, status: 'normal' as const, vnodes: 64, weight: 1, zone: '' }))), { vnodes: ringVnodesBase });
    const keys = Array.from({ length: 200 }, (_, i) => `cond${i}`).filter((k) => !ring.preferenceList(k, 2).includes('a'));
    const [key, ttlKey] = keys as [string, string];
    const viaA = await connect((nodes[0] as RingkvNode).url);
    clients.push(viaA);

    const first = await viaA.request({ type: 'put', key, value: enc.encode('first'), ifAbsent: true, options: { w: 2, receipt: true } });
    expect(first.type, JSON.stringify(first)).toBe('put-ok');
    expect(first.type === 'put-ok' && first.receipt?.forwarded).toBe(true);
    const second = await viaA.request({ type: 'put', key, value: enc.encode('second'), ifAbsent: true, options: { w: 2 } });
    expect(second.type).toBe('error');
    if (second.type !== 'error') return;
    expect(second.code).toBe('condition-failed');
    expect(second.current?.found).toBe(true);
    expect(second.current?.siblings.map((s) => ('value' in s ? new TextDecoder().decode(s.value) : '⊥'))).toEqual(['first']);
    expect(firstValueText(await get(viaA, key, 2))).toBe('first');

    const timed = await viaA.request({ type: 'put', key: ttlKey, value: enc.encode('short'), ttlMs: 200, options: { w: 2 } });
    expect(timed.type, JSON.stringify(timed)).toBe('put-ok');
    await waitUntil('the forwarded ttl expires', async () => {
      const r = await get(viaA, ttlKey, 2);
      return r.type === 'get-ok' && !r.found;
    }, 30_000);
  });
});
