/**
 * A raw TCP test client of the node (issue 12): the preamble, then
 * length-prefixed frames through @ringkv/protocol's reader, with the same
 * request/reply pairing as the WebSocket test client (client.ts).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { LengthPrefixedReader, PROTOCOL_VERSION, checkTcpPreamble, joinLengthPrefixed, tcpPreamble, type Message, type NodeReply } from '@ringkv/protocol';
import { codec } from './client.js';

export class TcpTestClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: NodeReply) => void>();
  private readonly unsolicited: Message[] = [];
  private waiters: ((m: Message) => void)[] = [];
  private readonly reader = new LengthPrefixedReader(64 * 1024 * 1024);
  private head = Buffer.alloc(0);
  /** What the node's preamble said, once 8 bytes arrived. */
  preamble: ReturnType<typeof checkTcpPreamble> | undefined;
  /** Chunks received (for the coalescing test). */
  chunks = 0;
  readonly closed: Promise<void>;
  private isClosedNow = false;

  constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosedNow = true;
        resolve();
      }),
    );
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  isClosed(): boolean {
    return this.isClosedNow;
  }

  private onData(chunk: Buffer): void {
    this.chunks++;
    if (this.preamble === undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < tcpPreamble.length) return;
      this.preamble = checkTcpPreamble(this.head);
      chunk = this.head.subarray(tcpPreamble.length);
    }
    const problem = this.reader.push(chunk, (frame) => {
      const r = codec.decode(frame);
      if (!r.ok) throw r.error;
      this.deliver(r.message);
      return true;
    });
    if (problem !== undefined) throw problem;
  }

  private deliver(m: Message): void {
    const id = 'id' in m ? m.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p !== undefined && id !== undefined) {
      this.pending.delete(id);
      return p(m as NodeReply);
    }
    const w = this.waiters.shift();
    if (w !== undefined) w(m);
    else this.unsolicited.push(m);
  }

  /** The next frame that answers no pending request. */
  nextUnsolicited(): Promise<Message> {
    const m = this.unsolicited.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes `bytes` as they are (a frame's prefix and body, or anything else). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes one length-prefixed frame. */
  sendFrame(frame: Uint8Array): void {
    this.socket.write(joinLengthPrefixed([frame]));
  }

  send(message: Message): void {
    this.sendFrame(codec.encode(message));
  }

  /** Sends a request with a fresh id and resolves with its reply. */
  request<T extends { type: string }>(body: T): Promise<NodeReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ ...body, id } as unknown as Message);
    });
  }

  /** Requests whose frames leave in one write; resolves with their replies in order. */
  requestsInOneWrite<T extends { type: string }>(bodies: T[]): Promise<NodeReply[]> {
    const frames: Uint8Array[] = [];
    const replies = bodies.map((body) => {
      const id = this.nextId++;
      frames.push(codec.encode({ ...body, id } as unknown as Message));
      return new Promise<NodeReply>((resolve) => this.pending.set(id, resolve));
    });
    this.socket.write(joinLengthPrefixed(frames));
    return Promise.all(replies);
  }

  async hello(authToken?: string): Promise<Message> {
    this.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: 'node-server-tcp-test', ...(authToken === undefined ? {} : { authToken }) });
    return this.nextUnsolicited();
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }
}

/** Opens a TCP socket to the port of `url` and writes `preamble` (the right one by default). */
export function openTcp(url: string, preamble: Uint8Array = tcpPreamble): Promise<TcpTestClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(new URL(url).port), '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      if (preamble.length > 0) socket.write(preamble);
      resolve(new TcpTestClient(socket));
    });
  });
}

/** Opens a TCP connection and completes hello. */
export async function connectTcp(url: string, authToken?: string): Promise<TcpTestClient> {
  const c = await openTcp(url);
  const reply = await c.hello(authToken);
  if (reply.type !== 'hello-ok') throw new Error(`hello refused: ${JSON.stringify(reply)}`);
  return c;
}

/** A frame header announcing `length` bytes. */
export function lengthPrefix(length: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length, 0);
  return b;
}
