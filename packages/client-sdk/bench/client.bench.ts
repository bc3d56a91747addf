/**
 * Client round trips against a real node in this process (loopback):
 * one request at a time, and 100 requests issued together, batched into
 * one frame (the default) or one frame each.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { connect, type RingkvClient } from '@ringkv/client-sdk';

let dir: string;
let node: RingkvNode;
let batched: RingkvClient;
let unbatched: RingkvClient;
const value = new Uint8Array(100).fill(7);
const keys = Array.from({ length: 100 }, (_, i) => `bench:${i}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-bench-'));
  node = await startNode({ id: 'bench', port: 0, dataDir: dir, durability: 'none', logLevel: 'silent' });
  batched = await connect(node.url);
  unbatched = await connect(node.url, { batching: false });
  await Promise.all(keys.map((k) => batched.put(k, value)));
});

afterAll(async () => {
  await batched?.close();
  await unbatched?.close();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('round trips', () => {
  bench('get, one at a time', async () => {
    await batched.get('bench:1');
  });
  let context: Uint8Array | undefined;
  bench('put 100-byte value with the last context, one at a time', async () => {
    context = (await batched.put('bench:2', value, context === undefined ? {} : { context })).context;
  });
  bench('100 gets issued together, batched (one frame)', async () => {
    await Promise.all(keys.map((k) => batched.get(k)));
  });
  bench('100 gets issued together, one frame each', async () => {
    await Promise.all(keys.map((k) => unbatched.get(k)));
  });
});
