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
 *   3. With TLS (issue 16), a socket whose first byte is a TLS handshake's
 *      (0x16) is decrypted (tls-accept.ts) and what it carries is
 *      dispatched as in 1–2; any other socket goes to the plain-refusal
 *      server (plain-refusal.ts), which serves `/health` and refuses the
 *      rest. Without TLS, a 0x16 byte is an HTTP parse error as before.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tcpPreamble } from '@ringkv/protocol';
import type { ServerContext } from './context.js';
import { acceptTcp, refuseTcp } from './tcp-accept.js';
import { acceptTls, tlsHandshakeByte } from './tls-accept.js';
import type { TlsCredentials } from '../tls/tls-credentials.js';

type ConnectionListener = (this: Server, socket: Socket) => void;

/** A TLS node's port: its credentials and the server plain sockets go to (invariant 3). */
export interface TlsPort {
  readonly credentials: TlsCredentials;
  readonly plain: Server;
}

/**
 * Takes over `server`'s `connection` event (invariants 1–3). Call once,
 * after the server is built and before it listens.
 */
export function sharePort(server: Server, ctx: ServerContext, tls?: TlsPort): void {
  const httpListeners = server.listeners('connection') as ConnectionListener[];
  if (httpListeners.length === 0) throw new Error('node-server: assertion failed: the HTTP server has no connection listener to hand sockets to');
  server.removeAllListeners('connection');
  // `onError` (the mux's own error listener) stays on a TCP client's socket and leaves an HTTP one, whose server handles its errors.
  const dispatch = (socket: Socket, chunk: Buffer, onError?: () => void): void => {
    if (chunk[0] === tcpPreamble[0]) return acceptTcp(ctx, socket, chunk);
    if (onError !== undefined) socket.off('error', onError);
    socket.unshift(chunk);
    for (const listener of httpListeners) listener.call(server, socket);
    socket.resume();
  };
  server.on('connection', (socket: Socket) => {
    ctx.sockets.accepted(socket);
    if (socket.destroyed) return;
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (tls === undefined) return dispatch(socket, chunk, onError);
      if (chunk[0] === tlsHandshakeByte) return acceptTls(ctx, tls.credentials, socket, chunk, dispatch);
      if (chunk[0] === tcpPreamble[0]) {
        ctx.metrics.tlsPlainRefused++;
        return refuseTcp(ctx, socket, 'unauthorized', 'this node serves TLS only: connect with tls:// (and the cluster CA)');
      }
      socket.off('error', onError);
      socket.unshift(chunk);
      tls.plain.emit('connection', socket);
      socket.resume();
    });
  });
}
