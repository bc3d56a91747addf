import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMessageTooBig, closePolicyViolation, closeProtocolError, PROTOCOL_VERSION } from '@ringkv/protocol';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import type { RingkvNode } from '../src/index.js';
import { codec, connect, firstValueText, open } from './support/client.js';
import { removeTempDirs, startTestNode } from './support/node.js';

let node: RingkvNode;
let secured: RingkvNode;

beforeAll(async () => {
  node = await startTestNode({ inFlightPerConnectionMax: 2000, helloTimeoutMs: 300 });
  secured = await startTestNode({ id: 'secured', authToken: 's3cret', clusterSecret: 'peer-s3cret' });
});

afterAll(async () => {
  await node.stop();
  await secured.stop();
  removeTempDirs();
});

/** The node still answers a fresh client: the check after every hostile case. */
async function stillServes(url = node.url): Promise<void> {
  const c = await connect(url);
  expect(await c.request({ type: 'get', key: 'probe' })).toMatchObject({ type: 'get-ok' });
  await c.close();
}

describe('hello and auth', () => {
  it('a hello with the right token is accepted and advertises the limits', async () => {
    const c = await open(secured.url);
    const reply = await c.hello('s3cret');
    expect(reply).toMatchObject({ type: 'hello-ok', nodeId: 'secured', protocolVersion: PROTOCOL_VERSION });
    expect((reply as { limits: { inFlightMax: number } }).limits.inFlightMax).toBeGreaterThan(0);
    await c.close();
  });

  it('a wrong token gets unauthorized and close 1008', async () => {
    const c = await open(secured.url);
    expect(await c.hello('wrong')).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await c.closed).code).toBe(closePolicyViolation);
  });

  it('a missing token gets unauthorized and close 1008 when the node has one', async () => {
    const c = await open(secured.url);
    expect(await c.hello()).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await c.closed).code).toBe(closePolicyViolation);
    await stillServes(node.url);
  });

  it('another protocol version gets unsupported-version and close 1002', async () => {
    const c = await open(node.url);
    const reply = await c.hello(undefined, PROTOCOL_VERSION + 1);
    expect(reply).toMatchObject({ type: 'error', code: 'unsupported-version' });
    expect((reply as { message: string }).message).toContain(String(PROTOCOL_VERSION + 1));
    expect((await c.closed).code).toBe(closeProtocolError);
  });

  it('a request before hello gets hello-required and close 1002', async () => {
    const c = await open(node.url);
    c.send({ type: 'get', id: 1, key: 'k' });
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'hello-required' });
    expect((await c.closed).code).toBe(closeProtocolError);
  });

  it('a connection that never says hello is closed after helloTimeoutMs', async () => {
    const c = await open(node.url);
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'hello-required' });
    expect((await c.closed).code).toBe(closeProtocolError);
  });
});

describe('pipelining', () => {
  it('1,000 requests in flight on one connection are all answered, each under its own id', async () => {
    const c = await connect(node.url);
    const n = 1000;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? c.request({ type: 'put', key: `p${i}`, value: new TextEncoder().encode(`v${i}`) })
          : c.request({ type: 'get', key: `p${i - 1}` }),
      ),
    );
    expect(replies.filter((r) => r.type === 'put-ok').length).toBe(n / 2);
    expect(replies.filter((r) => r.type === 'get-ok').length).toBe(n / 2);
    const check = await Promise.all(Array.from({ length: n / 2 }, (_, i) => c.request({ type: 'get', key: `p${2 * i}` })));
    check.forEach((r, i) => {
      expect(firstValueText(r)).toBe(`v${2 * i}`);
    });
    // Pipelined writes were committed in shared engine batches (group commit).
    const status = (await (await fetch(`${node.httpUrl}/status`)).json()) as { writes: { largestBatch: number; batches: number } };
    expect(status.writes.largestBatch).toBeGreaterThan(1);
    await c.close();
  });

  it('a request past inFlightPerConnectionMax gets too-many-in-flight and the connection stays open', async () => {
    const tight = await startTestNode({ inFlightPerConnectionMax: 4 });
    const c = await connect(tight.url);
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => c.request({ type: 'put', key: `t${i}`, value: new Uint8Array(8) })));
    const refused = replies.filter((r) => r.type === 'error');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.type === 'error' && r.code === 'too-many-in-flight')).toBe(true);
    expect(replies.filter((r) => r.type === 'put-ok').length).toBeGreaterThanOrEqual(4);
    expect(await c.request({ type: 'get', key: 't0' })).toMatchObject({ type: 'get-ok' });
    await c.close();
    await tight.stop();
  });
});

describe('hostile frames', () => {
  it('a frame over frameBytesMax closes that connection with 1009 and the node keeps serving others', async () => {
    const small = await startTestNode({ valueBytesMax: 1024 });
    const bystander = await connect(small.url);
    const c = await connect(small.url);
    c.sendRaw(new Uint8Array(8 * 1024 * 1024));
    expect((await c.closed).code).toBe(closeMessageTooBig);
    expect(await bystander.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
    await bystander.close();
    await stillServes(small.url);
    await small.stop();
  });

  const cases: [string, Uint8Array, string, number | undefined][] = [
    ['not MessagePack (reserved byte 0xc1)', new Uint8Array([0xc1]), 'malformed-frame', 1007],
    ['truncated map', codec.encode({ type: 'get', id: 7, key: 'k' }).subarray(0, 5), 'malformed-frame', 1007],
    ['array32 declaring 4e9 elements', new Uint8Array([0xdd, 0xee, 0x6b, 0x28, 0x00]), 'malformed-frame', 1007],
    ['nesting 100 deep', new Uint8Array([...new Array(100).fill(0x91), 0xc0]), 'limit-exceeded', 1009],
    ['a string instead of a map', new Uint8Array([0xa3, 0x61, 0x62, 0x63]), 'invalid-message', undefined],
  ];
  for (const [name, frame, code, close] of cases) {
    it(`${name}: ${code}${close === undefined ? ', connection kept' : `, close ${close}`}`, async () => {
      const c = await connect(node.url);
      c.sendRaw(frame);
      expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code });
      if (close === undefined) {
        expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
        await c.close();
      } else {
        expect((await c.closed).code).toBe(close);
      }
      await stillServes();
    });
  }

  it('a __proto__ key in a request pollutes nothing and is answered normally', async () => {
    const c = await connect(node.url);
    // {v:1,k:0,type:'get',id:3,key:'k',__proto__:{polluted:true}} as raw msgpack
    const enc = (s: string): number[] => [0xa0 | s.length, ...new TextEncoder().encode(s)];
    const frame = new Uint8Array([
      0x86, ...enc('v'), 0x01, ...enc('k'), 0x00, ...enc('type'), ...enc('get'), ...enc('id'), 0x03, ...enc('key'), ...enc('k'),
      ...enc('__proto__'), 0x81, ...enc('polluted'), 0xc3,
    ]);
    c.sendRaw(frame);
    const reply = await c.nextUnsolicited().catch(() => undefined);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(reply === undefined || reply.type === 'get-ok' || reply.type === 'error').toBe(true);
    await c.close();
    await stillServes();
  });

  it('a text frame is refused without bringing the node down', async () => {
    const c = await connect(node.url);
    c.sendRaw('hello?');
    const reply = await c.nextUnsolicited();
    expect(reply.type).toBe('error');
    await c.close();
    await stillServes();
  });

  it('garbage over raw TCP, before and after a WebSocket handshake, only costs that socket', async () => {
    const { port } = new URL(node.url);
    const exchange = (payload: Buffer): Promise<string> =>
      new Promise((resolve) => {
        const socket = tcpConnect(Number(port), '127.0.0.1', () => socket.write(payload));
        let got = '';
        socket.on('data', (d) => (got += d.toString('latin1')));
        socket.on('error', () => {});
        socket.on('close', () => resolve(got));
      });
    expect(await exchange(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0, 1, 2, 3]))).not.toContain('101');
    const upgrade = Buffer.from(
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    // After the 101: an unmasked frame with a reserved opcode, which ws refuses (close 1002).
    const reply = await exchange(Buffer.concat([upgrade, Buffer.from([0x83, 0x02, 0x01, 0x02])]));
    expect(reply).toContain('101 Switching Protocols');
    expect(reply.includes(String.fromCharCode(0x88))).toBe(true); // a close frame came back
    await stillServes();
  });

  it('random and mutated frames each get an error frame or a close, and the node stays up', async () => {
    const seed = testSeed(5150);
    const rng = new Rng(seed);
    const valid = codec.encode({ type: 'put', id: 1, key: 'fuzz', value: new Uint8Array([1, 2, 3]) });
    for (let round = 0; round < 4; round++) {
      const c = await connect(node.url);
      for (let i = 0; i < 25 && c.ws.readyState === c.ws.OPEN; i++) {
        const frame = rng.next() < 0.5 ? randomBytes(rng, 1 + Math.floor(rng.next() * 64)) : mutate(rng, valid);
        c.sendRaw(frame);
      }
      await c.close();
    }
    await stillServes().catch((e: unknown) => {
      throw new Error(`node stopped serving after fuzzing; ${seedNote(seed)}: ${String(e)}`);
    });
  });
});

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 256);
  return out;
}

function mutate(rng: Rng, frame: Uint8Array): Uint8Array {
  const out = frame.slice();
  const flips = 1 + Math.floor(rng.next() * 4);
  for (let i = 0; i < flips; i++) out[Math.floor(rng.next() * out.length)] = Math.floor(rng.next() * 256);
  return rng.next() < 0.3 ? out.subarray(0, Math.floor(rng.next() * out.length)) : out;
}
