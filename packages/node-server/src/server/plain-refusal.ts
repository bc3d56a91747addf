/**
 * What a TLS node does with a connection that does not start TLS
 * (port-mux.ts): it answers, so the client learns why, and serves nothing
 * but `/health`.
 *
 * The choice (issue 16): a node with TLS refuses plain clients, plain
 * peers and plain admin calls, since they would carry tokens and the
 * cluster secret in clear; `GET /health` stays open in plain HTTP so a load
 * balancer or a supervisor's probe keeps working without the CA (it shows
 * no keys, values or membership).
 *
 * Invariants:
 *   1. A plain HTTP request other than `GET /health` gets 403 with a JSON
 *      error `tls-required` naming the https/wss URL; a plain WebSocket
 *      upgrade gets 426 Upgrade Required; neither reaches a route or the
 *      client protocol.
 *   2. A plain raw-TCP client gets the TCP preamble and an `unauthorized`
 *      error frame saying to use `tls://` (tcp-accept.ts `refuseTcp`).
 *   3. Plain sockets pass the socket guard like any other (port-mux.ts
 *      invariant 1): the HTTP ones are identified per request, as on the
 *      node's own server.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerContext } from './context.js';

const healthPath = '/health';

/** The HTTP server plain sockets of a TLS node are handed to (never listens itself). `routes` serves `/health`. */
export function plainRefusalServer(ctx: ServerContext, routes: RequestListener): Server {
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    ctx.sockets.request(req.socket, res);
    if (req.method === 'GET' && pathOf(req) === healthPath) return routes(req, res);
    ctx.metrics.tlsPlainRefused++;
    const body = JSON.stringify({ error: { code: 'tls-required', message: `this node serves TLS only: use https:// (and wss:// or tls:// for clients); plain HTTP serves ${healthPath} only` } });
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    ctx.metrics.tlsPlainRefused++;
    socket.on('error', () => socket.destroy());
    const body = 'this node serves TLS only: connect with wss://';
    socket.end(`HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.3\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
