/**
 * The raw TCP transport for Node clients (issue 12): the node's one port,
 * the protocol's preamble, then the same MessagePack frames as over
 * WebSocket, each behind a 4-byte length (docs/format/wire.md, "Raw TCP").
 * It presents the `WebSocketLike` subset the connection layer already uses
 * (connection.ts), so the hello, the dispatcher, timeouts and reconnects
 * are the WebSocket path's own. Node only: the browser entry never loads
 * this module (connect-browser.ts).
 *
 * Invariants:
 *   1. `onopen` fires once the TCP connection is up; the preamble goes out
 *      ahead of the first frame (the hello), in the same write.
 *   2. Nothing reaches `onmessage` before the node's preamble was checked;
 *      a node that answers anything else (an HTTP server, another framing
 *      version) closes the socket with 1002 and a reason saying so.
 *   3. Frames sent in one turn of the event loop leave in one write
 *      (protocol's `TurnWriter`, the node's own coalescing).
 *   4. A frame longer than `frameBytesMax` closes the socket (1009) before
 *      its payload is buffered.
 *   5. `onclose` fires once: 1000 when the node closed its side cleanly or
 *      after our own `close`, 1006 after a socket error or `terminate`, or
 *      the code of the refusal that closed it (invariants 2 and 4).
 */

import type { Socket } from 'node:net';
import { LengthPrefixedReader, TurnWriter, checkTcpPreamble, tcpPreamble } from '@ringkv/protocol';
import { RingkvError } from './errors.js';
import type { WebSocketCloseEvent, WebSocketFactory, WebSocketLike, WebSocketMessageEvent } from './ports.js';
import type { TlsCa } from './types.js';

const connecting = 0;
const open = 1;
const closing = 2;
const closed = 3;

/**
 * The host and port a `tcp://`, `tls://`, `ws://` or `wss://` URL names (TCP
 * to a ws:// member's port: the node serves both there), and whether TLS
 * wraps the TCP stream (`tls://` and `wss://`: a TLS node serves both
 * inside TLS on its one port).
 */
export function tcpAddress(url: string): { host: string; port: number; tls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new RingkvError('invalid-argument', `${JSON.stringify(url)} is not a URL`, { cause });
  }
  if (!['tcp:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol)) throw new RingkvError('invalid-argument', `${url}: the TCP transport takes tcp:// or tls:// (or ws://, wss://) URLs`);
  const defaultPort = parsed.protocol === 'ws:' ? 80 : parsed.protocol === 'wss:' ? 443 : NaN;
  const port = Number(parsed.port === '' ? defaultPort : parsed.port);
  if (!Number.isInteger(port) || port <= 0) throw new RingkvError('invalid-argument', `${url}: a tcp:// URL needs a port`);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { host, port, tls: parsed.protocol === 'tls:' || parsed.protocol === 'wss:' };
}

/**
 * The factory of the TCP transport: every URL, seed or ring member, is
 * dialled over raw TCP, inside TLS for `tls://` and `wss://` ones (verified
 * against `ca` when given, else Node's trust store). `node:net` and
 * `node:tls` are imported lazily (as `ws` is in websocket.ts), so a bundle
 * that never asks for TCP never resolves them.
 */
export async function tcpSocketFactory(ca?: TlsCa): Promise<WebSocketFactory> {
  const netName = 'node:net';
  const tlsName = 'node:tls';
  const net = (await import(/* @vite-ignore */ netName)) as typeof import('node:net');
  const tls = (await import(/* @vite-ignore */ tlsName)) as typeof import('node:tls');
  return (url, frameBytesMax) => {
    const { host, port, tls: secure } = tcpAddress(url);
    if (!secure) return new TcpSocket(net.connect({ host, port, noDelay: true }), frameBytesMax);
    // SNI takes host names only; an IP literal is checked against the certificate's IP names.
    const servername = net.isIP(host) === 0 ? { servername: host } : {};
    const socket = tls.connect({ host, port, ...servername, ...(ca === undefined ? {} : { ca: caList(ca) }) });
    socket.setNoDelay(true);
    return new TcpSocket(socket, frameBytesMax);
  };
}

/** The `ca` option as Node's tls takes it (PEM strings or Buffers). */
export function caList(ca: TlsCa): (string | Buffer)[] {
  const list = typeof ca === 'string' || ca instanceof Uint8Array ? [ca] : [...ca];
  return list.map((x) => (typeof x === 'string' ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
}

/** One raw TCP connection behind the `WebSocketLike` surface. */
export class TcpSocket implements WebSocketLike {
  binaryType = 'nodebuffer';
  readyState = connecting;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: WebSocketMessageEvent) => void) | null = null;
  onclose: ((event: WebSocketCloseEvent) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private readonly reader: LengthPrefixedReader;
  private head: Buffer | undefined = Buffer.alloc(0);
  /** A Buffer per turn from Node's pool (no zero-fill; the socket takes it without converting). */
  private readonly writer: TurnWriter;
  private closeEvent: WebSocketCloseEvent | undefined;

  constructor(
    private readonly socket: Socket,
    frameBytesMax: number,
  ) {
    this.reader = new LengthPrefixedReader(frameBytesMax);
    this.writer = new TurnWriter(socket, { schedule: process.nextTick, alloc: Buffer.allocUnsafe });
    socket.once('connect', () => {
      if (this.readyState !== connecting) return;
      this.readyState = open;
      // Invariant 1: the preamble leads the first turn's frames (the hello), in the same write.
      this.writer.preface(tcpPreamble);
      this.onopen?.({});
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      this.closeEvent ??= { code: 1006, reason: error.message };
      this.onerror?.(error);
    });
    socket.once('end', () => {
      this.closeEvent ??= { code: 1000, reason: 'the node closed the connection' };
      socket.end();
    });
    socket.once('close', () => {
      this.readyState = closed;
      this.onclose?.(this.closeEvent ?? { code: 1006, reason: 'connection lost' });
    });
  }

  get bufferedAmount(): number {
    return this.socket.writableLength + this.writer.pendingBytes;
  }

  send(data: Uint8Array): void {
    if (this.readyState !== open) return;
    this.writer.push(data);
  }

  private receive(chunk: Buffer): void {
    if (this.readyState === closed) return;
    if (this.head !== undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < tcpPreamble.length) return;
      const check = checkTcpPreamble(this.head);
      if (check !== 'ok') {
        const why = check === 'other-version' ? 'the node speaks another TCP framing version' : 'not a ringkv TCP endpoint: its first bytes are not the preamble';
        return this.fail(1002, why);
      }
      chunk = this.head.subarray(tcpPreamble.length);
      this.head = undefined;
    }
    const problem = this.reader.push(chunk, (frame) => {
      this.onmessage?.({ data: frame });
      return this.readyState !== closed;
    });
    if (problem !== undefined) this.fail(1009, problem.message);
  }

  private fail(code: number, reason: string): void {
    this.closeEvent ??= { code, reason };
    this.socket.destroy();
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= closing) return;
    this.readyState = closing;
    this.closeEvent ??= { code, reason };
    this.writer.flush();
    this.socket.end();
  }

  /** Drops the socket at once (the connection layer calls it when a close takes too long). */
  terminate(): void {
    this.closeEvent ??= { code: 1006, reason: 'terminated' };
    this.socket.destroy();
  }
}
