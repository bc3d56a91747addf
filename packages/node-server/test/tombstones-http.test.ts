/**
 * Tombstone collection on a real node alone (default N = 3, but it has never
 * seen another member, so effective N = 1: no other replica to confirm),
 * seen through /status `tombstones` and `antiEntropy.build` and /metrics
 * `ringkv_tombstones_*`: a deleted key is removed from the engine once its
 * grace period (here the smallest allowed, the 1 s hint TTL) has passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { connect } from './support/client.js';
import { waitUntil } from './support/cluster.js';
import { removeTempDirs, startTestNode } from './support/node.js';

let node: RingkvNode;

beforeAll(async () => {
  node = await startTestNode({ id: 'tomb-1', hintTtlMs: 1_000, tombstoneGraceMs: 1_000 });
});

afterAll(async () => {
  await node.stop();
  removeTempDirs();
});

interface Status {
  tombstones: { pending: number; collected: number; blocked: number; sweeps: number };
  antiEntropy: { build: { building: boolean; keysScanned: number; progress: number } };
}

async function status(): Promise<Status> {
  return (await (await fetch(`${node.httpUrl}/status`)).json()) as Status;
}

describe('tombstone collection on a node', () => {
  it('removes a deleted key after the grace period and reports it in /status and /metrics', async () => {
    const c = await connect(node.url);
    const put = await c.request({ type: 'put', key: 'short-lived', value: new Uint8Array([1]) });
    expect(put.type).toBe('put-ok');
    await c.request({ type: 'put', key: 'kept', value: new Uint8Array([2]) });
    const del = await c.request({ type: 'delete', key: 'short-lived', context: (put as { context: Uint8Array }).context });
    expect(del.type).toBe('delete-ok');
    expect((await status()).antiEntropy.build.building).toBe(false);
    // Sweeps run every second at this grace; POST /repair runs one after its pass too.
    await waitUntil('the tombstone is collected', async () => {
      await (await fetch(`${node.httpUrl}/repair`, { method: 'POST' })).text();
      return (await status()).tombstones.collected === 1;
    });
    const s = await status();
    expect(s.tombstones).toMatchObject({ pending: 0, blocked: 0, collected: 1 });
    const got = await c.request({ type: 'get', key: 'short-lived' });
    expect(got).toMatchObject({ type: 'get-ok', found: false, siblings: [] });
    expect(await c.request({ type: 'get', key: 'kept' })).toMatchObject({ type: 'get-ok', found: true });
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    expect(metrics).toContain('ringkv_tombstones_collected_total{node="tomb-1"} 1\n');
    expect(metrics).toContain('ringkv_tombstones_pending{node="tomb-1"} 0\n');
    expect(metrics).toContain('ringkv_ae_tree_building{node="tomb-1"} 0\n');
    await c.close();
  });
});
