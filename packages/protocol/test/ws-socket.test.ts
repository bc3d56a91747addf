// The codec behind a real WebSocket on 127.0.0.1: the socket layer refuses oversized frames
// (maxPayload from the limits) and the codec turns malformed ones into error frames and closes.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { WireCodec, errorFrame, protocolError, type Message } from '@ringkv/protocol';

const codec = new WireCodec({ limits: { frameBytesMax: 4096, valueBytesMax: 2048 } });
let server: WebSocketServer;
let url: string;

/** A minimal node: answers hello and get; everything refused gets an error frame, then a close if the code says so. */
function serve(socket: WebSocket): void {
  // ws reports a frame over maxPayload as an error event and closes with 1009 itself.
  socket.on('error', () => undefined);
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const frame = isBinary ? (data as Buffer) : new Uint8Array(0);
    const result = codec.decode(frame);
    if (!result.ok) {
      socket.send(codec.encode(errorFrame(result.error)));
      if (result.error.closeCode !== undefined) socket.close(result.error.closeCode, result.error.code);
      return;
    }
    const reply = answer(result.message);
    if (reply !== undefined) socket.send(codec.encode(reply));
  });
}

function answer(message: Message): Message | undefined {
  if (message.type === 'hello') {
    const { frameBytesMax, keyBytesMax, valueBytesMax, contextBytesMax, batchOpsMax } = codec.limits;
    return { type: 'hello-ok', nodeId: 'n1', protocolVersion: 1, limits: { frameBytesMax, keyBytesMax, valueBytesMax, contextBytesMax, batchOpsMax, inFlightMax: 64 } };
  }
  if (message.type === 'get') return { type: 'get-ok', id: message.id, found: false, siblings: [], context: new Uint8Array(0) };
  return errorFrame(protocolError('internal', 'not implemented in this test'), 'id' in message ? message.id : undefined);
}

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: codec.limits.frameBytesMax });
  server.on('connection', serve);
  await once(server, 'listening');
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Session {
  socket: WebSocket;
  messages: Message[];
  closed: Promise<number>;
  next(): Promise<Message>;
}

async function connect(): Promise<Session> {
  const socket = new WebSocket(url, { maxPayload: codec.limits.frameBytesMax });
  const messages: Message[] = [];
  const waiters: Array<(m: Message) => void> = [];
  socket.on('message', (data: RawData) => {
    const result = codec.decode(data as Buffer);
    if (!result.ok) throw result.error;
    const waiter = waiters.shift();
    if (waiter) waiter(result.message);
    else messages.push(result.message);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await once(socket, 'open');
  return {
    socket,
    messages,
    closed,
    next: () => {
      const queued = messages.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

describe('WireCodec over a real WebSocket', () => {
  it('serves a hello and a get', async () => {
    const s = await connect();
    s.socket.send(codec.encode({ type: 'hello', protocolVersion: 1, clientName: 'test' }));
    expect(await s.next()).toMatchObject({ type: 'hello-ok', nodeId: 'n1', limits: { frameBytesMax: 4096 } });
    s.socket.send(codec.encode({ type: 'get', id: 1, key: 'k' }));
    expect(await s.next()).toMatchObject({ type: 'get-ok', id: 1, found: false });
    s.socket.close();
    await s.closed;
  });

  it('closes with 1009 when a frame exceeds maxPayload, before the codec sees it', async () => {
    const s = await connect();
    s.socket.send(new Uint8Array(codec.limits.frameBytesMax + 1));
    expect(await s.closed).toBe(1009);
    expect(s.messages).toEqual([]);
  });

  it('answers a malformed frame with a malformed-frame error frame, then closes with 1007', async () => {
    const s = await connect();
    s.socket.send(Uint8Array.from([0xc1]));
    expect(await s.next()).toMatchObject({ type: 'error', code: 'malformed-frame' });
    expect(await s.closed).toBe(1007);
  });

  it('answers a request with a too-long key with an error frame for that id and keeps serving', async () => {
    const s = await connect();
    // Packed by hand with a 1025-byte key: the encoder itself would refuse it.
    s.socket.send(new Packr({ useRecords: false }).pack({ v: 1, k: 0, type: 'get', id: 5, key: 'k'.repeat(1025) }));
    expect(await s.next()).toMatchObject({ type: 'error', id: 5, code: 'key-too-large' });
    s.socket.send(codec.encode({ type: 'get', id: 6, key: 'k' }));
    expect(await s.next()).toMatchObject({ type: 'get-ok', id: 6 });
    s.socket.close();
    expect(await s.closed).toBe(1005);
  });
});
