/**
 * Round trips through a three-node cluster in one process (N=3, W=2, R=2,
 * peer RPC over loopback WebSockets): one client on node a. All three nodes,
 * their peer links and the client share one thread, so these figures are a
 * floor, compared with node.bench.ts (one node, same thread) for the cost of
 * replication. 64-in-flight rows do 64 requests per iteration: ops/s = hz × 64.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, beforeAll, describe } from 'vitest';
import { startNode, type RingkvNode } from '../src/index.js';
import { connect, type TestClient } from '../test/support/client.js';
import { agree, waitUntil } from '../test/support/cluster.js';

const nodes: RingkvNode[] = [];
const dirs: string[] = [];
let client: TestClient;
const value = new Uint8Array(100).fill(42);
let n = 0;

beforeAll(async () => {
  const common = { logLevel: 'silent' as const, durability: 'interval' as const, n: 3, r: 2, w: 2, gossipIntervalMs: 200 };
  for (const id of ['a', 'b', 'c']) dirs.push(mkdtempSync(join(tmpdir(), `ringkv-cbench-${id}-`)));
  nodes.push(await startNode({ id: 'a', dataDir: dirs[0] as string, seeds: [], ...common }));
  const seeds = [(nodes[0] as RingkvNode).url];
  nodes.push(await startNode({ id: 'b', dataDir: dirs[1] as string, seeds, ...common }));
  nodes.push(await startNode({ id: 'c', dataDir: dirs[2] as string, seeds, ...common }));
  await waitUntil('the cluster agrees', () => agree(nodes.map((x) => x.httpUrl), ['a', 'b', 'c']));
  client = await connect((nodes[0] as RingkvNode).url);
  await Promise.all(Array.from({ length: 1000 }, (_, i) => client.request({ type: 'put', key: `key${i}`, value })));
}, 30_000);

afterAll(async () => {
  await client.close();
  await Promise.all(nodes.map((x) => x.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const opts = { time: 1500, warmupTime: 200 };

describe('3-node cluster round trip (N=3, W=2, R=2), 100-byte values, durability interval', () => {
  bench('get R=2, 1 in flight', async () => {
    await client.request({ type: 'get', key: `key${n++ % 1000}` });
  }, opts);
  bench('put W=2, 1 in flight', async () => {
    await client.request({ type: 'put', key: `fresh${n++}`, value });
  }, opts);
  bench('get R=2, 64 in flight (hz × 64 = ops/s)', async () => {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) batch.push(client.request({ type: 'get', key: `key${n++ % 1000}` }));
    await Promise.all(batch);
  }, opts);
  bench('put W=2, 64 in flight (hz × 64 = ops/s)', async () => {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) batch.push(client.request({ type: 'put', key: `fresh${n++}`, value }));
    await Promise.all(batch);
  }, opts);
});
