import { afterEach, describe, expect, it } from 'vitest';
import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeServer } from './fake-server.js';

let server: FakeServer;
let client: RingkvClient;
async function setup(options: Parameters<typeof startFakeServer>[0] = {}): Promise<void> {
  server = await startFakeServer(options);
  client = await connect(server.url);
}
afterEach(async () => {
  await client?.close();
  await server?.close();
});

interface Cart {
  items: string[];
}
const union = (carts: Cart[]): Cart => ({ items: [...new Set(carts.flatMap((c) => c.items))].sort() });

describe('siblings, update and namespaces (fake node rules)', () => {
  it('blind writes become siblings and get returns every one', async () => {
    await setup();
    await client.put('k', 'a');
    await client.put('k', 'b');
    const read = await client.get<string>('k');
    expect(read.values.sort()).toEqual(['a', 'b']);
    expect(read.siblings).toHaveLength(2);
  });

  it('update resolves the siblings and writes back with the context', async () => {
    await setup();
    await client.put('cart', { items: ['x'] });
    await client.put('cart', { items: ['y'] });
    const result = await client.update<Cart>('cart', (values) => union(values));
    expect(result.value).toEqual({ items: ['x', 'y'] });
    expect(result.attempts).toBe(1);
    expect((await client.get<Cart>('cart')).values).toEqual([{ items: ['x', 'y'] }]);
  });

  it('update retries when a concurrent write adds a sibling, and gives up with conflict after the bound', async () => {
    let interfere = 2;
    await setup({
      onRequest: (req) => {
        // Right after each update put, a concurrent blind write lands.
        if (req.message.type === 'put' && req.message.context !== undefined && interfere-- > 0) {
          req.answer();
          void client.put('n', 100);
          return;
        }
        req.answer();
      },
    });
    const result = await client.update<number>('n', (values) => Math.max(0, ...values) + 1, { retries: 5 });
    expect(result.attempts).toBe(3);
    expect((await client.get<number>('n')).values).toEqual([result.value]);

    interfere = 1_000;
    const error = await client.update<number>('n', (values) => Math.max(0, ...values) + 1, { retries: 2 }).catch((e: unknown) => e);
    expect(isRingkvError(error) && error.code).toBe('conflict');
  });

  it('a namespace prefixes keys, resolves siblings and applies its codec', async () => {
    await setup();
    const carts = client.namespace<Cart>('carts', {
      resolve: union,
      codec: {
        encode: (c) => c.items,
        decode: (stored) => {
          if (!Array.isArray(stored)) throw new Error('not a cart');
          return { items: stored as string[] };
        },
      },
    });
    await carts.put('ada', { items: ['x'] });
    await carts.put('ada', { items: ['y'] });
    const read = await carts.get('ada');
    expect(read.values).toHaveLength(2);
    expect(read.value).toEqual({ items: ['x', 'y'] });
    expect((await client.get('carts/ada')).values).toHaveLength(2);
    const updated = await carts.update('ada', (cur) => ({ items: [...(cur?.items ?? []), 'z'] }));
    expect(updated.value).toEqual({ items: ['x', 'y', 'z'] });
    await client.put('carts/bad', 'not a cart');
    await expect(carts.get('bad')).rejects.toMatchObject({ code: 'invalid-message' });
  });

  it('a namespace without a resolver refuses to update siblings', async () => {
    await setup();
    const users = client.namespace<{ name: string }>('users');
    await users.put('1', { name: 'a' });
    await users.put('1', { name: 'b' });
    expect((await users.get('1')).value).toBeUndefined();
    await expect(users.update('1', (u) => u ?? { name: 'c' })).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(() => client.namespace('a/b')).toThrow(/namespace name/);
  });

  it('delete hides the value but returns a context that supersedes it', async () => {
    await setup();
    const { context } = await client.put('k', 'v');
    await client.delete('k', { context });
    const read = await client.get('k');
    expect(read.found).toBe(false);
    expect(read.siblings).toEqual([{ tombstone: true }]);
    await client.put('k', 'w', { context: read.context });
    expect((await client.get('k')).siblings).toEqual([{ tombstone: false, value: 'w' }]);
  });
});
