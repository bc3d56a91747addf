import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRequest } from '@ringkv/protocol';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeRequest, type FakeServer } from './fake-server.js';

let server: FakeServer;
let client: RingkvClient;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

describe('batching requests made in the same tick', () => {
  it('sends them as one batch frame and pairs the results by position', async () => {
    server = await startFakeServer();
    client = await connect(server.url);
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.put(`k${i}`, i)));
    const reads = await Promise.all(Array.from({ length: 10 }, (_, i) => client.get<number>(`k${i}`)));
    expect(reads.map((r) => r.values[0])).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(server.requests.map((r) => r.type)).toEqual(['batch', 'batch']);
    expect((server.requests[0] as BatchRequest).ops).toHaveLength(10);
  });

  it('never puts more than the node advertised batchOpsMax ops, nor more than inFlightMax, in flight', async () => {
    server = await startFakeServer({ batchOpsMax: 4 });
    client = await connect(server.url, { inFlightMax: 6 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.put(`k${i}`, i)));
    const sizes = server.requests.map((r) => (r.type === 'batch' ? r.ops.length : 1));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  it('gives each request its own outcome: an error result fails only its op', async () => {
    server = await startFakeServer({
      onRequest: (req: FakeRequest) => {
        const m = req.message;
        if (m.type !== 'batch') return req.answer();
        req.reply({
          type: 'batch-ok',
          id: m.id,
          results: m.ops.map((op, i) =>
            i === 1 ? { type: 'error', code: 'value-too-large', message: 'too big' } : { type: 'put-ok', context: new Uint8Array([i]) },
          ),
        });
      },
    });
    client = await connect(server.url);
    const outcomes = await Promise.allSettled([client.put('a', 1), client.put('b', 2), client.put('c', 3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'value-too-large' });
  });

  it('a batch reply with the wrong number of results fails its requests with invalid-message', async () => {
    server = await startFakeServer({
      onRequest: (req) => {
        if (req.message.type === 'batch') req.reply({ type: 'batch-ok', id: req.message.id, results: [] });
        else req.answer();
      },
    });
    client = await connect(server.url);
    const outcomes = await Promise.allSettled([client.get('a'), client.put('b', 1)]);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'invalid-message' });
    expect((outcomes[1] as PromiseRejectedResult).reason.indeterminate).toBe(true);
  });

  it('a request of a batch that times out fails alone; the late batch reply settles the others', async () => {
    let held: FakeRequest | undefined;
    server = await startFakeServer({ onRequest: (req) => (held = req) });
    client = await connect(server.url);
    const fast = client.get('a', { timeoutMs: 20 });
    const slow = client.get('b', { timeoutMs: 30_000 });
    await expect(fast).rejects.toMatchObject({ code: 'timeout', indeterminate: false });
    held?.answer();
    expect((await slow).found).toBe(false);
  });
});
