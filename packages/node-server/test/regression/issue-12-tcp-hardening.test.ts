/**
 * Issue 12 added raw TCP clients beside WebSocket ones; every protection the
 * WebSocket path got in issue 15 must hold for them too. These mirror
 * connection.test.ts ("hello and auth"), issue-15-idle-sockets and
 * issue-15-partial-frames over the TCP framing: a silent or half-preamble
 * socket, a wrong preamble, refusals before and at hello, oversized and
 * zero lengths, malformed frames, partial frames (deadline and node-wide
 * bound), connectionsMax, and stopping.
 */
import { PROTOCOL_VERSION, tcpPreamble } from '@ringkv/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { helloFrameBytesMax } from '../../src/limits.js';
import type { RingkvNode } from '../../src/index.js';
import { codec } from '../support/client.js';
import { nodeTracker, removeTempDirs } from '../support/node.js';
import { connectTcp, lengthPrefix, openTcp, type TcpTestClient } from '../support/tcp-client.js';

const nodes = nodeTracker();
const held: TcpTestClient[] = [];
afterEach(async () => {
  for (const c of held.splice(0)) c.socket.destroy();
  await nodes.stopAll();
});
afterAll(removeTempDirs);

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  partialFrames: { bytes: number; connections: number; timedOut: number; dropped: number; refusedBeforeHello: number };
  sockets: { timedOut: number };
}

async function figures(n: RingkvNode): Promise<Figures> {
  const status = (await (await fetch(`${n.httpUrl}/status`)).json()) as { connections: Figures };
  return status.connections;
}

/** Polls /status until `done` holds (bounded: 200 polls). */
async function until(n: RingkvNode, done: (f: Figures) => boolean): Promise<Figures> {
  let f = await figures(n);
  for (let i = 0; i < 200 && !done(f); i++) {
    await sleep(10);
    f = await figures(n);
  }
  return f;
}

async function open(n: RingkvNode, preamble?: Uint8Array): Promise<TcpTestClient> {
  const c = await openTcp(n.tcpUrl, preamble);
  held.push(c);
  return c;
}

describe('issue 12: raw TCP sockets before the preamble', () => {
  it('destroys a socket that sends nothing, or half the preamble, within headersTimeoutMs, and still serves HTTP', async () => {
    const n = await nodes.start({ headersTimeoutMs: 100 });
    const silent = await open(n, new Uint8Array(0));
    const half = await open(n, tcpPreamble.subarray(0, 3));
    await Promise.all([silent.closed, half.closed]);
    expect(half.preamble).toBeUndefined();
    expect((await figures(n)).sockets.timedOut).toBe(2);
    expect((await fetch(`${n.httpUrl}/health`)).status).toBe(200);
  });

  it('destroys a socket whose preamble starts like ringkv but is not, without an answer', async () => {
    const n = await nodes.start();
    const wrong = await open(n, Uint8Array.of(0xd2, 0x72, 0x6b, 0x76, 0, 0, 0, 1));
    await wrong.closed;
    expect(wrong.chunks).toBe(0);
  });

  it('answers a preamble of another framing version with its own and unsupported-version, then closes', async () => {
    const n = await nodes.start();
    const other = Uint8Array.from(tcpPreamble);
    other[7] = 9;
    const c = await open(n, other);
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'unsupported-version' });
    expect(c.preamble).toBe('ok');
    await c.closed;
  });

  it('answers a client past connectionsMax with unavailable and closes it, counting WebSocket and TCP clients together', async () => {
    const n = await nodes.start({ connectionsMax: 1 });
    const first = await connectTcp(n.tcpUrl);
    held.push(first);
    const second = await open(n);
    expect(await second.nextUnsolicited()).toMatchObject({ type: 'error', code: 'unavailable' });
    await second.closed;
    expect(await first.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
  });
});

describe('issue 12: raw TCP hello and auth', () => {
  it('a wrong or missing token gets unauthorized and the socket is closed', async () => {
    const n = await nodes.start({ authToken: 's3cret', clusterSecret: 'peer-s3cret' });
    for (const token of ['wrong', undefined]) {
      const c = await open(n);
      expect(await c.hello(token)).toMatchObject({ type: 'error', code: 'unauthorized' });
      await c.closed;
    }
    const good = await connectTcp(n.tcpUrl, 's3cret');
    held.push(good);
    expect(await good.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
  });

  it('a request before hello gets hello-required and the socket is closed', async () => {
    const n = await nodes.start();
    const c = await open(n);
    c.send({ type: 'get', id: 1, key: 'k' });
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'hello-required' });
    await c.closed;
  });

  it('a socket that sends the preamble and never says hello is closed after helloTimeoutMs', async () => {
    const n = await nodes.start({ helloTimeoutMs: 100 });
    const c = await open(n);
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'hello-required' });
    await c.closed;
  });
});

describe('issue 12: raw TCP frames', () => {
  it('destroys a socket whose length before hello exceeds helloFrameBytesMax, at the prefix', async () => {
    const n = await nodes.start({ helloTimeoutMs: 600_000 });
    const c = await open(n);
    c.sendRaw(lengthPrefix(helloFrameBytesMax + 1));
    await c.closed;
    expect((await until(n, (f) => f.partialFrames.refusedBeforeHello === 1)).partialFrames).toMatchObject({ refusedBeforeHello: 1, bytes: 0 });
  });

  it('answers a length over frameBytesMax after hello with frame-too-large and closes, before reading its payload', async () => {
    const n = await nodes.start();
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    c.sendRaw(lengthPrefix(64 * MiB));
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'frame-too-large' });
    await c.closed;
  });

  it('answers a zero length with malformed-frame and closes', async () => {
    const n = await nodes.start();
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    c.sendRaw(lengthPrefix(0));
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'malformed-frame' });
    await c.closed;
  });

  it('answers a frame that is not MessagePack with malformed-frame and closes, as on WebSocket', async () => {
    const n = await nodes.start();
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    c.sendFrame(Uint8Array.of(0xc1, 0xc1));
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'malformed-frame' });
    await c.closed;
  });

  it('answers a hello frame cut into single bytes, then serves', async () => {
    const n = await nodes.start();
    const c = await open(n);
    const hello = Buffer.concat([lengthPrefix(0), codec.encode({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: 'bytes' })]);
    hello.writeUInt32BE(hello.length - 4, 0);
    const reply = c.nextUnsolicited();
    for (const b of hello) {
      c.sendRaw(Uint8Array.of(b));
      await sleep(1);
    }
    expect(await reply).toMatchObject({ type: 'hello-ok' });
    expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
  });

  it('destroys a connection trickling one frame a byte at a time once frameReadTimeoutMs passes', async () => {
    const n = await nodes.start({ frameReadTimeoutMs: 200, helloTimeoutMs: 600_000 });
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    c.sendRaw(lengthPrefix(1_000));
    for (let i = 0; i < 250 && !c.isClosed(); i++) {
      c.sendRaw(Uint8Array.of(0));
      await sleep(20);
    }
    expect(c.isClosed()).toBe(true);
    expect((await until(n, (f) => f.partialFrames.timedOut === 1)).partialFrames).toMatchObject({ timedOut: 1, bytes: 0, connections: 0 });
  }, 15_000);

  it('keeps the bytes of incomplete frames under partialFrameBytesMax by dropping the connections whose frames started first', async () => {
    const n = await nodes.start({ partialFrameBytesMax: 4 * MiB, frameReadTimeoutMs: 600_000 });
    const clients: TcpTestClient[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await connectTcp(n.tcpUrl);
      held.push(c);
      clients.push(c);
      c.sendRaw(lengthPrefix(3 * MiB));
      c.sendRaw(Buffer.alloc(MiB));
      const f = await until(n, (q) => q.partialFrames.bytes + MiB * q.partialFrames.dropped >= (i + 1) * MiB);
      expect(f.partialFrames.bytes).toBeLessThanOrEqual(4 * MiB);
    }
    await Promise.all([clients[0]?.closed, clients[1]?.closed]);
    expect(clients.map((c) => c.isClosed())).toEqual([true, true, false, false, false, false]);
    expect((await figures(n)).partialFrames).toMatchObject({ bytes: 4 * MiB, connections: 4, dropped: 2 });
    for (const c of clients) c.socket.destroy();
    expect((await until(n, (f) => f.partialFrames.bytes === 0)).partialFrames).toMatchObject({ bytes: 0, connections: 0 });
  });

  it('lets a 1 MiB put through in pieces after hello, holding nothing afterwards', async () => {
    const n = await nodes.start({ frameReadTimeoutMs: 10_000 });
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    expect(await c.request({ type: 'put', key: 'big', value: new Uint8Array(MiB).fill(7) })).toMatchObject({ type: 'put-ok' });
    expect((await figures(n)).partialFrames).toMatchObject({ bytes: 0, timedOut: 0, dropped: 0, refusedBeforeHello: 0 });
  });
});

describe('issue 12: raw TCP clients while stopping', () => {
  it('closes a TCP client with shutting-down when the node stops', async () => {
    const n = await nodes.start();
    const c = await connectTcp(n.tcpUrl);
    held.push(c);
    const stopped = n.stop();
    expect(await c.nextUnsolicited()).toMatchObject({ type: 'error', code: 'shutting-down' });
    await c.closed;
    await stopped;
  });
});
