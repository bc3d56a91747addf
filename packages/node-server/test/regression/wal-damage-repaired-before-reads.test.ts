/**
 * Issue 15 item 8: a node whose commit log was damaged (here cut in half after
 * a clean stop) started and served its older copies as if nothing had
 * happened, reporting a few "dropped bytes". Now it reports the loss (/status,
 * /metrics), takes a new vclock actor, refuses reads of its copies with the
 * retryable `unavailable` until an anti-entropy pass with its peers has
 * completed, and then holds every acknowledged write again.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '../../src/index.js';
import { connect, firstValueText, type TestClient } from '../support/client.js';
import { agree, get, put, storedSets, valuesOf, waitUntil } from '../support/cluster.js';
import { removeTempDirs, tempDir } from '../support/node.js';

const options: Partial<NodeOptions> = { n: 3, r: 1, w: 3, gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'sync' };
const running: RingkvNode[] = [];
const clients: TestClient[] = [];

async function start(id: string, dataDir: string, seeds: string[]): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir, seeds, ...options });
  running.push(node);
  return node;
}

async function stop(node: RingkvNode): Promise<void> {
  await node.stop();
  running.splice(running.indexOf(node), 1);
}

async function client(url: string): Promise<TestClient> {
  const c = await connect(url);
  clients.push(c);
  return c;
}

async function status(node: RingkvNode): Promise<Record<string, any>> {
  return (await (await fetch(`${node.httpUrl}/status`)).json()) as Record<string, any>;
}

/** Cuts the largest commit-log segment of `dir` to half its size. */
function cutLogInHalf(dir: string): void {
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log'));
  const largest = logs.map((n) => join(dir, n)).sort((x, y) => statSync(y).size - statSync(x).size)[0] as string;
  const data = readFileSync(largest);
  writeFileSync(largest, data.subarray(0, Math.floor(data.length / 2)));
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(running.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(removeTempDirs);

describe('a node whose commit log lost acknowledged writes', () => {
  it('reports the loss, refuses reads of its copies until a repair with its peers completes, then holds every write', async () => {
    const dirs = [tempDir(), tempDir(), tempDir()] as [string, string, string];
    const a = await start('a', dirs[0], []);
    const b = await start('b', dirs[1], [a.url]);
    const c = await start('c', dirs[2], [a.url]);
    await waitUntil('three nodes agree on the ring', () => agree([a, b, c].map((n) => n.httpUrl), ['a', 'b', 'c']));
    const ca = await client(a.url);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const k of keys) expect((await put(ca, k, `v-${k}`, 3)).type).toBe('put-ok');
    await Promise.all(clients.splice(0).map((x) => x.close()));
    for (const n of [a, b, c]) await stop(n);

    cutLogInHalf(dirs[2]);
    // Alone, c cannot repair: its copies stay held.
    const alone = await start('c', dirs[2], []);
    const s = await status(alone);
    expect(s['storage'].recovery.corruption.regions).toBeGreaterThanOrEqual(1);
    expect(s['storage'].recovery.corruption.droppedOps).toBeGreaterThanOrEqual(1);
    expect(s['logLossRepair'].pending).toBe(true);
    const metrics = await (await fetch(`${alone.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ringkv_storage_log_lost_writes_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ringkv_storage_log_loss_repair_pending\{[^}]*\} 1/);
    const cc = await client(alone.url);
    const held = await get(cc, 'k0', 1);
    // Its own copy is refused (`unavailable`) and no other replica is up to answer.
    expect(held.type === 'error' && held.code, JSON.stringify(held)).toBe('quorum-not-met');

    // With its peers back, a pass completes and the hold goes.
    const a2 = await start('a', dirs[0], [alone.url]);
    const b2 = await start('b', dirs[1], [alone.url]);
    await waitUntil('three nodes agree on the ring again', () => agree([a2, b2, alone].map((n) => n.httpUrl), ['a', 'b', 'c']));
    await waitUntil('the repair completes', async () => (await status(alone))['logLossRepair'].pending === false, 30_000);
    for (const k of keys) expect(firstValueText(await get(cc, k, 1)), k).toBe(`v-${k}`);
    await Promise.all(clients.splice(0).map((x) => x.close()));
    await stop(alone);
    const sets = await storedSets(dirs[2], keys);
    for (const k of keys) expect(valuesOf(sets.get(k)), k).toEqual([`v-${k}`]);
    // The repair is recorded as done: the next start holds nothing.
    const again = await start('c', dirs[2], [a2.url]);
    expect((await status(again))['logLossRepair'].pending).toBe(false);
  }, 60_000);
});
