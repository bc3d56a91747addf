import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetOkMessage, NodeReply, PutOkMessage } from '@ringkv/protocol';
import { limits, type RingkvNode } from '../src/index.js';
import { codec, connect, open, type TestClient } from './support/client.js';
import { removeTempDirs, startTestNode } from './support/node.js';

let node: RingkvNode;
let client: TestClient;

beforeAll(async () => {
  node = await startTestNode();
  client = await connect(node.url);
});

afterAll(async () => {
  await client.close();
  await node.stop();
  removeTempDirs();
});

function expectType<T extends NodeReply['type']>(reply: NodeReply, type: T): Extract<NodeReply, { type: T }> {
  expect(reply, JSON.stringify(reply)).toMatchObject({ type });
  return reply as Extract<NodeReply, { type: T }>;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('versioning over the wire', () => {
  it('a put is read back with its value and a context', async () => {
    const put = expectType(await client.request({ type: 'put', key: 'k1', value: bytes('v1') }), 'put-ok');
    const got = expectType(await client.request({ type: 'get', key: 'k1' }), 'get-ok');
    expect(got.found).toBe(true);
    expect(got.siblings.map((s) => ('value' in s ? text(s.value) : 'tombstone'))).toEqual(['v1']);
    expect(Buffer.from(got.context)).toEqual(Buffer.from(put.context));
  });

  it('a key never written is not found with an empty context', async () => {
    const got = expectType(await client.request({ type: 'get', key: 'never' }), 'get-ok');
    expect(got).toMatchObject({ found: false, siblings: [] });
    expect(got.context.length).toBeGreaterThan(0);
  });

  it('two puts with the same old context both survive as siblings', async () => {
    const first = expectType(await client.request({ type: 'put', key: 'c', value: bytes('base') }), 'put-ok');
    const [a, b] = await Promise.all([
      client.request({ type: 'put', key: 'c', value: bytes('left'), context: first.context }),
      client.request({ type: 'put', key: 'c', value: bytes('right'), context: first.context }),
    ]);
    expectType(a as NodeReply, 'put-ok');
    expectType(b as NodeReply, 'put-ok');
    const got = expectType(await client.request({ type: 'get', key: 'c' }), 'get-ok');
    expect(got.siblings.map((s) => ('value' in s ? text(s.value) : '-')).sort()).toEqual(['left', 'right']);
  });

  it('a put with the merged context replaces every sibling', async () => {
    const got = expectType(await client.request({ type: 'get', key: 'c' }), 'get-ok');
    expect(got.siblings.length).toBe(2);
    expectType(await client.request({ type: 'put', key: 'c', value: bytes('resolved'), context: got.context }), 'put-ok');
    const after = expectType(await client.request({ type: 'get', key: 'c' }), 'get-ok');
    expect(after.siblings.map((s) => ('value' in s ? text(s.value) : '-'))).toEqual(['resolved']);
  });

  it('a put without context next to an existing value adds a sibling', async () => {
    expectType(await client.request({ type: 'put', key: 'blind', value: bytes('one') }), 'put-ok');
    expectType(await client.request({ type: 'put', key: 'blind', value: bytes('two') }), 'put-ok');
    const got = expectType(await client.request({ type: 'get', key: 'blind' }), 'get-ok');
    expect(got.siblings.length).toBe(2);
  });

  it('delete then get is not found, and its context lets a later put supersede the delete', async () => {
    const put = expectType(await client.request({ type: 'put', key: 'gone', value: bytes('x') }), 'put-ok');
    expectType(await client.request({ type: 'delete', key: 'gone', context: put.context }), 'delete-ok');
    const got = expectType(await client.request({ type: 'get', key: 'gone' }), 'get-ok');
    expect(got.found).toBe(false);
    expect(got.siblings).toEqual([{ tombstone: true }]);
    expectType(await client.request({ type: 'put', key: 'gone', value: bytes('back'), context: got.context }), 'put-ok');
    const again = expectType(await client.request({ type: 'get', key: 'gone' }), 'get-ok');
    expect(again.found).toBe(true);
    expect(again.siblings.map((s) => ('value' in s ? text(s.value) : '-'))).toEqual(['back']);
  });

  it('a MessagePack value comes back as the same bytes with its encoding', async () => {
    const packed = codec.packValue({ name: 'Ada', tags: ['x', 1] });
    expectType(await client.request({ type: 'put', key: 'doc', ...packed }), 'put-ok');
    const got = expectType(await client.request({ type: 'get', key: 'doc' }), 'get-ok');
    const s = got.siblings[0] as { value: Uint8Array; valueEncoding?: string };
    expect(s.valueEncoding).toBe('msgpack');
    expect(codec.unpackValue(s.value, 'msgpack')).toMatchObject({ ok: true, value: { name: 'Ada', tags: ['x', 1] } });
  });

  it('a string key and its UTF-8 bytes name the same key', async () => {
    expectType(await client.request({ type: 'put', key: 'clé', value: bytes('same') }), 'put-ok');
    const got = expectType(await client.request({ type: 'get', key: bytes('clé') }), 'get-ok');
    expect(got.found).toBe(true);
  });

  it('a batch answers every op in order', async () => {
    const reply = expectType(
      await client.request({
        type: 'batch',
        ops: [
          { type: 'put', key: 'b1', value: bytes('1') },
          { type: 'get', key: 'b1' },
          { type: 'delete', key: 'b2' },
          { type: 'put', key: 'b3', value: new Uint8Array([0xc1]), valueEncoding: 'msgpack' },
        ],
      }),
      'batch-ok',
    );
    expect(reply.results.map((r) => r.type)).toEqual(['put-ok', 'get-ok', 'delete-ok', 'error']);
  });

  it('keys up to the advertised keyBytesMax (the full 1 KiB of the data model) are stored; longer ones get key-too-large', async () => {
    expect(limits.keyBytesMax).toBe(1024);
    const fresh = await open(node.url);
    expect(await fresh.hello()).toMatchObject({ type: 'hello-ok', limits: { keyBytesMax: limits.keyBytesMax } });
    await fresh.close();
    const longest = 'x'.repeat(limits.keyBytesMax);
    expect(await client.request({ type: 'put', key: longest, value: bytes('v') })).toMatchObject({ type: 'put-ok' });
    expect(await client.request({ type: 'get', key: longest })).toMatchObject({ type: 'get-ok', found: true });
    for (const n of [limits.keyBytesMax + 1, limits.keyBytesMax + 100]) {
      const reply = await client.requestUnchecked({ type: 'put', key: 'x'.repeat(n), value: bytes('v') });
      expect(reply).toMatchObject({ type: 'error', code: 'key-too-large' });
    }
  });

  it('a malformed context is refused for that request only', async () => {
    const reply = await client.request({ type: 'put', key: 'k', value: bytes('v'), context: new Uint8Array([9, 9, 9]) });
    expect(reply).toMatchObject({ type: 'error', code: 'invalid-message' });
    expectType(await client.request({ type: 'get', key: 'k1' }), 'get-ok');
  });

  it('a write count above 1 is refused on a single node rather than weakened', async () => {
    const reply = await client.request({ type: 'put', key: 'k', value: bytes('v'), options: { w: 2 } });
    expect(reply).toMatchObject({ type: 'error', code: 'unavailable' });
  });

  it('a value over valueBytesMax is refused with value-too-large and the connection stays open', async () => {
    const small = await startTestNode({ valueBytesMax: 1024 });
    const c = await connect(small.url);
    const reply = await c.request({ type: 'put', key: 'big', value: new Uint8Array(2048) });
    expect(reply).toMatchObject({ type: 'error', code: 'value-too-large' });
    expectType(await c.request({ type: 'get', key: 'big' }) as PutOkMessage | GetOkMessage, 'get-ok');
    await c.close();
    await small.stop();
  });
});
