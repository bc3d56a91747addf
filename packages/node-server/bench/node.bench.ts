/**
 * Round trips through one in-process node over a real loopback WebSocket:
 * client and node share one thread, so these figures are a floor for the hot
 * path (decode, store, encode), not the cluster-level load of `ringkv bench`.
 * 64-in-flight rows do 64 requests per iteration: ops/s = hz × 64.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, beforeAll, describe } from 'vitest';
import { startNode, type RingkvNode } from '../src/index.js';
import { connect, type TestClient } from '../test/support/client.js';

let node: RingkvNode;
let client: TestClient;
let dir: string;
const value = new Uint8Array(100).fill(42);
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-'));
  node = await startNode({ id: 'bench', dataDir: dir, logLevel: 'silent', durability: 'interval' });
  client = await connect(node.url);
  await Promise.all(Array.from({ length: 1000 }, (_, i) => client.request({ type: 'put', key: `key${i}`, value })));
});

afterAll(async () => {
  await client.close();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

const opts = { time: 1500, warmupTime: 200 };

describe('node round trip, 100-byte values, durability interval', () => {
  bench('get, 1 in flight', async () => {
    await client.request({ type: 'get', key: `key${n++ % 1000}` });
  }, opts);
  bench('put, 1 in flight', async () => {
    await client.request({ type: 'put', key: `key${n++ % 1000}`, value, context: undefined });
  }, opts);
  bench('get, 64 in flight (hz × 64 = ops/s)', async () => {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) batch.push(client.request({ type: 'get', key: `key${n++ % 1000}` }));
    await Promise.all(batch);
  }, opts);
  bench('put, 64 in flight (hz × 64 = ops/s)', async () => {
    const batch: Promise<unknown>[] = [];
    // Fresh keys so sibling sets stay at one value (a blind put on an existing key adds a sibling).
    for (let i = 0; i < 64; i++) batch.push(client.request({ type: 'put', key: `fresh${n++}`, value }));
    await Promise.all(batch);
  }, opts);
});
