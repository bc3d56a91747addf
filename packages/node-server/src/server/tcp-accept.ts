/**
 * Raw TCP clients on the node's one port (port-mux.ts hands over a socket
 * whose first byte is the preamble's): the preamble check, the admission
 * bounds, then a client connection over the TCP transport.
 *
 * Invariants:
 *   1. The client's 8-byte preamble must arrive before the socket guard's
 *      header deadline (socket-guard.ts invariant 1), like an HTTP request's
 *      headers; the socket stays anonymous (evictable) until its hello.
 *   2. A preamble that is not ringkv's destroys the socket; one of another
 *      framing version is answered with this node's preamble and an
 *      `unsupported-version` error frame, then closed.
 *   3. While stopping, or with `connectionsMax` client connections open
 *      (WebSocket and TCP together), the client gets the preamble and a
 *      `shutting-down` or `unavailable` error frame, and is closed (the TCP
 *      form of the upgrade's 503).
 *   4. An accepted client gets the preamble back ahead of its first reply,
 *      in the same write.
 */
import type { Socket } from 'node:net';
import { checkTcpPreamble, errorFrameFor, joinLengthPrefixed, tcpPreamble, type ProtocolErrorCode } from '@ringkv/protocol';
import { helloFrameBytesMax } from '../limits.js';
import type { ServerContext } from './context.js';
import { ClientConnection } from './connection.js';
import { TcpTransport } from './tcp-transport.js';

/**
 * Takes over a socket whose first chunk starts with the preamble's first
 * byte: reads the rest of the preamble (however it is split), then admits
 * the client or refuses it (invariants 1–3). The socket is paused; `first`
 * is everything read from it so far.
 */
export function acceptTcp(ctx: ServerContext, socket: Socket, first: Buffer): void {
  let head = first;
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length >= tcpPreamble.length) {
      socket.off('data', onData);
      socket.pause();
      preambleRead(ctx, socket, head);
    }
  };
  if (head.length >= tcpPreamble.length) return preambleRead(ctx, socket, head);
  socket.on('data', onData);
  socket.resume();
}

function preambleRead(ctx: ServerContext, socket: Socket, head: Buffer): void {
  const check = checkTcpPreamble(head);
  if (check === 'not-ringkv') {
    ctx.metrics.error('malformed-frame');
    socket.destroy();
    return;
  }
  if (check === 'other-version') return refuseTcp(ctx, socket, 'unsupported-version', `this node speaks TCP framing version ${tcpPreamble[tcpPreamble.length - 1] as number}`);
  if (ctx.stopping) {
    ctx.metrics.connectionsRefused++;
    return refuseTcp(ctx, socket, 'shutting-down', 'the node is shutting down; reconnect to another node');
  }
  if (ctx.connections.size >= ctx.options.connectionsMax) {
    ctx.metrics.connectionsRefused++;
    return refuseTcp(ctx, socket, 'unavailable', `the node has connectionsMax (${ctx.options.connectionsMax}) connections; retry later`);
  }
  ctx.sockets.upgraded(socket);
  ctx.frames.watchReported(socket);
  const transport = new TcpTransport(socket, ctx.frames, { frameBytesMax: ctx.options.frameBytesMax, helloFrameBytesMax });
  transport.sendRaw(tcpPreamble);
  const connection = new ClientConnection(transport, ctx, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, socket);
  transport.bind(connection, head.subarray(tcpPreamble.length));
}

/** Invariants 2 and 3 (and a plain client of a TLS node, plain-refusal.ts): the preamble and one error frame, then the socket is dropped once they are written. */
export function refuseTcp(ctx: ServerContext, socket: Socket, code: ProtocolErrorCode, message: string): void {
  ctx.metrics.error(code);
  const frame = ctx.codec.encode(errorFrameFor(code, message));
  socket.end(Buffer.concat([tcpPreamble, joinLengthPrefixed([frame])]));
  socket.once('finish', () => socket.destroy());
}
