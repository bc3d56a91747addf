/** The SDK against a real node (@ringkv/node-server) started in this process on loopback. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { connect, type RingkvClient, type RingkvError } from '@ringkv/client-sdk';

let dir: string;
let node: RingkvNode;
let client: RingkvClient;

async function boot(): Promise<void> {
  node = await startNode({ id: 'e2e', port: 0, dataDir: join(dir, 'data'), durability: 'none', logLevel: 'silent' });
  client = await connect(node.url);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-e2e-'));
  await boot();
});
afterAll(async () => {
  await client?.close();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Cart {
  items: string[];
}

describe('client-sdk against a real node', () => {
  it('puts, gets and deletes values of every kind', async () => {
    const values: unknown[] = ['text', 42, { nested: { list: [1, 'two', null] } }, new Uint8Array([0, 255, 7]), [true, false]];
    for (const [i, value] of values.entries()) await client.put(`kind:${i}`, value);
    for (const [i, value] of values.entries()) {
      const read = await client.get(`kind:${i}`);
      expect(read.found).toBe(true);
      expect(read.values).toEqual([value]);
    }
    const read = await client.get('kind:0');
    await client.delete('kind:0', { context: read.context });
    const gone = await client.get('kind:0');
    expect(gone.found).toBe(false);
    expect(gone.values).toEqual([]);
    await client.put('kind:0', 'back', { context: gone.context });
    expect((await client.get('kind:0')).values).toEqual(['back']);
    expect(client.nodeId).toBe('e2e');
  });

  it('the 65th write without a context is refused with too-many-siblings, saying how to resolve, and update then replaces them', async () => {
    for (let i = 0; i < 64; i++) await client.put('blind', `v${i}`);
    expect((await client.get('blind')).values).toHaveLength(64);
    const error = await client.put('blind', 'v64').catch((e: unknown) => e as RingkvError);
    expect(error).toMatchObject({ code: 'too-many-siblings', indeterminate: false, retryable: false });
    expect((error as Error).message).toContain('would leave 65 siblings');
    expect((error as Error).message).toContain('read the key and write with its context (or use update) to replace the siblings');
    await client.update('blind', () => 'one');
    expect((await client.get('blind')).values).toEqual(['one']);
  });

  it('update passes r to its reads and w to its write', async () => {
    const error = await client.update('rw', () => 1, { w: 2 }).catch((e: unknown) => e as RingkvError);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as Error).message).toMatch(/w=2 cannot be met/);
    const read = await client.update('rw', () => 1, { r: 2 }).catch((e: unknown) => e as RingkvError);
    expect((read as Error).message).toMatch(/r=2 cannot be met/);
  });

  it('two writers with the same context leave siblings, and update resolves them', async () => {
    const other = await connect(node.url);
    try {
      await client.put('cart:1', { items: ['milk'] });
      const seen = await client.get<Cart>('cart:1');
      await client.put('cart:1', { items: ['milk', 'eggs'] }, { context: seen.context });
      await other.put('cart:1', { items: ['milk', 'bread'] }, { context: seen.context });
      const forked = await client.get<Cart>('cart:1');
      expect(forked.values).toHaveLength(2);
      const carts = client.namespace<Cart>('carts', {
        resolve: (siblings) => ({ items: [...new Set(siblings.flatMap((c) => c.items))].sort() }),
      });
      const merged = await client.update<Cart>('cart:1', (values) => ({ items: [...new Set(values.flatMap((c) => c.items))].sort() }));
      expect(merged.value).toEqual({ items: ['bread', 'eggs', 'milk'] });
      expect((await client.get<Cart>('cart:1')).values).toEqual([{ items: ['bread', 'eggs', 'milk'] }]);

      await carts.put('ada', { items: ['a'] });
      const base = await carts.get('ada');
      await carts.put('ada', { items: ['a', 'b'] }, { context: base.context });
      await other.namespace<Cart>('carts').put('ada', { items: ['a', 'c'] }, { context: base.context });
      expect((await carts.get('ada')).value).toEqual({ items: ['a', 'b', 'c'] });
      const updated = await carts.update('ada', (cur) => ({ items: [...(cur?.items ?? []), 'd'] }));
      expect(updated.value).toEqual({ items: ['a', 'b', 'c', 'd'] });
      expect((await client.get('carts/ada')).values).toEqual([{ items: ['a', 'b', 'c', 'd'] }]);
    } finally {
      await other.close();
    }
  });

  for (const batching of [true, false]) {
    it(`answers 1,000 pipelined requests, each with its own value (${batching ? 'batched frames' : 'one frame each'})`, async () => {
      const seed = testSeed(5151);
      const rng = new Rng(seed);
      const c = batching ? client : await connect(node.url, { batching: false, inFlightMax: 1000 });
      try {
        const expected = Array.from({ length: 1000 }, () => rng.nextUint32());
        const started = expected.map((v, i) => c.put(`pipe:${batching}:${i}`, v));
        await Promise.all(started);
        const reads = await Promise.all(expected.map((_, i) => c.get<number>(`pipe:${batching}:${i}`)));
        expect(reads.map((r) => r.values[0]), seedNote(seed)).toEqual(expected);
      } finally {
        if (c !== client) await c.close();
      }
    });
  }

  it('reconnects after the node restarts and finds every acknowledged write', async () => {
    const acked: Array<[string, number]> = [];
    for (let i = 0; i < 50; i++) {
      await client.put(`restart:${i}`, i * 3);
      acked.push([`restart:${i}`, i * 3]);
    }
    const port = Number(new URL(node.url).port);
    await node.stop();
    node = await startNode({ id: 'e2e', port, dataDir: join(dir, 'data'), durability: 'none', logLevel: 'silent' });
    for (;;) {
      try {
        await client.get('probe', { timeoutMs: 2000 });
        break;
      } catch {
        // requests fail while the client reconnects; the loop is bounded by the test timeout
      }
    }
    for (const [key, value] of acked) expect((await client.get(key)).values).toEqual([value]);
  });
});
