/** Raw TCP sockets against a node, as an attacker holds them: idle, half a request, or a WebSocket upgrade that never says hello. */
import { connect, type Socket } from 'node:net';

/** The port of a `ws://host:port` or `http://host:port` URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A raw socket and a promise of its close (by either side). */
export interface RawSocket {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  /** True once the socket closed. */
  isClosed(): boolean;
}

/**
 * Opens a socket to 127.0.0.1:`port`, writes `send` (if any) and resolves
 * once it is connected and, when `until` is given, its first reply contains
 * `until` (or it closed meanwhile). Nothing else is ever sent or answered.
 */
export function openRaw(port: number, send?: string | Uint8Array, until?: string): Promise<RawSocket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let closed = false;
    const closedP = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
    const raw: RawSocket = { socket, closed: closedP, isClosed: () => closed };
    socket.on('error', () => {});
    void closedP.then(() => resolve(raw));
    socket.once('connect', () => {
      if (send !== undefined) socket.write(send);
      if (until === undefined) return resolve(raw);
      let seen = '';
      socket.on('data', (d: Buffer) => {
        seen += d.toString('latin1');
        if (seen.includes(until)) resolve(raw);
      });
    });
  });
}

/** The request line and headers of a WebSocket upgrade on `path`. */
export function upgradeRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** One masked binary WebSocket frame (mask key 0, so the payload goes as is) of at most 125 bytes. */
export function maskedBinaryFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > 125) throw new Error('test frame too long');
  return new Uint8Array([...maskedFrameHeader(payload.length), ...payload]);
}

/** The header of a final masked binary frame of `length` payload bytes (mask key 0): send the payload after it, or part of it. */
export function maskedFrameHeader(length: number): Uint8Array {
  if (length <= 125) return new Uint8Array([0x82, 0x80 | length, 0, 0, 0, 0]);
  if (length < 65_536) return new Uint8Array([0x82, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
  const h = Buffer.alloc(14);
  h[0] = 0x82;
  h[1] = 0x80 | 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

/** Opens `count` raw sockets, `batch` at a time. */
export async function openMany(count: number, open: () => Promise<RawSocket>, batch = 100): Promise<RawSocket[]> {
  const out: RawSocket[] = [];
  while (out.length < count) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - out.length) }, open))));
  }
  return out;
}

/** How many of `sockets` are still open once the count stops falling above `bound` (a bounded wait for close events in flight). */
export async function openCount(sockets: readonly RawSocket[], bound: number, attempts = 200): Promise<number> {
  let open = sockets.filter((s) => !s.isClosed()).length;
  for (let i = 0; i < attempts && open > bound; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    open = sockets.filter((s) => !s.isClosed()).length;
  }
  return open;
}
