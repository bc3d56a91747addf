/**
 * One port for HTTP, WebSocket and raw TCP clients (issue 12): the node's
 * HTTP server keeps listening, but its accepted sockets reach it only after
 * their first bytes were looked at. A socket whose first byte is the TCP
 * preamble's (0xd2, which starts no HTTP request: methods are ASCII tokens)
 * goes to the TCP acceptor (tcp-accept.ts); any other first chunk is put
 * back (`unshift`) and the socket is handed to the HTTP server's own
 * connection handling unchanged, so HTTP, WebSocket upgrades and peers see
 * exactly the bytes they would have.
 *
 * Why one port rather than a `--tcp-port`: users, seeds, advertised URLs,
 * firewalls and the ring's member addresses keep naming one port; the
 * ring's `ws://host:port` tells a TCP client where to connect too. The cost
 * is this first-byte look, which only delays the HTTP server's parsing
 * until the first chunk, and never changes its bytes.
 *
 * Invariants:
 *   1. Every accepted socket passes the socket guard first (socket-guard.ts:
 *      the header deadline, the anonymous and per-address bounds); a socket
 *      that sends nothing is destroyed by its deadline, whichever protocol
 *      it meant to speak.
 *   2. The HTTP server sees each non-TCP socket once, with its first chunk
 *      unread: the server's own `connection` listeners run as they would
 *      have, only later.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tcpPreamble } from '@ringkv/protocol';
import type { ServerContext } from './context.js';
import { acceptTcp } from './tcp-accept.js';

type ConnectionListener = (this: Server, socket: Socket) => void;

/**
 * Takes over `server`'s `connection` event (invariants 1, 2). Call once,
 * after the server is built and before it listens.
 */
export function sharePort(server: Server, ctx: ServerContext): void {
  const httpListeners = server.listeners('connection') as ConnectionListener[];
  if (httpListeners.length === 0) throw new Error('node-server: assertion failed: the HTTP server has no connection listener to hand sockets to');
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    ctx.sockets.accepted(socket);
    if (socket.destroyed) return;
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk[0] === tcpPreamble[0]) return acceptTcp(ctx, socket, chunk);
      socket.off('error', onError);
      socket.unshift(chunk);
      for (const listener of httpListeners) listener.call(server, socket);
      socket.resume();
    });
  });
}
