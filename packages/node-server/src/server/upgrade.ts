/**
 * The WebSocket side of the node's one port: which upgrades are accepted.
 *
 * Invariants:
 *   1. Only paths `/` and `/ws` (clients) and `/peer` (other nodes, their
 *      own connections: cluster/peer-server.ts) upgrade; others get 404.
 *   2. At most `connectionsMax` client connections: past it (or while
 *      stopping) an upgrade is refused politely with HTTP 503 and
 *      `Retry-After`, before any WebSocket state is allocated.
 *   3. Frames larger than `frameBytesMax` are refused by ws (`maxPayload`)
 *      before they are buffered, closing with 1009.
 *   4. Every accepted client socket is read by the frame guard
 *      (frame-guard.ts): incomplete messages have a deadline and a
 *      node-wide byte bound, and before hello a frame may carry at most
 *      `helloFrameBytesMax`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerContext } from './context.js';
import { ClientConnection } from './connection.js';
import { WebSocketTransport } from './ws-transport.js';
import { hasClusterCertificate } from './tls-accept.js';
import { peerPath } from '../limits.js';

/** The paths the WebSocket protocol is served on; the SDK uses `/`. */
export const webSocketPaths: readonly string[] = Object.freeze(['/', '/ws']);

const statusText: Record<number, string> = { 403: 'Forbidden', 404: 'Not Found' };

function reject(socket: Duplex, status: number, text: string, extra = ''): void {
  const body = JSON.stringify({ error: text });
  socket.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Service Unavailable'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`,
  );
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q < 0 ? (url ?? '/') : (url ?? '/').slice(0, q);
}

/** Builds the upgrade handler for the node's HTTP server. */
export function upgradeHandler(ctx: ServerContext): {
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
} {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.options.frameBytesMax,
    perMessageDeflate: false,
    clientTracking: false,
  });
  // Sockets inside the handshake; a failed handshake never calls back, so 'close' removes them too.
  const upgrading = new Set<Duplex>();
  return {
    onUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      ctx.sockets.upgraded(socket);
      if (pathOf(req.url) === peerPath) {
        if (ctx.stopping || ctx.peers === undefined) return reject(socket, 503, 'the node is not serving peers');
        if (ctx.tls !== undefined && !hasClusterCertificate(socket)) {
          ctx.metrics.tlsRefused++;
          ctx.refusalLog.run(() => ctx.log.warn({ from: req.socket.remoteAddress }, 'refused a peer connection: it presented no certificate of the cluster CA'));
          return reject(socket, 403, 'a TLS node admits peers with a certificate of the cluster CA only (mutual TLS)');
        }
        return ctx.peers.accept(req, socket, head);
      }
      if (!webSocketPaths.includes(pathOf(req.url))) return reject(socket, 404, 'the ringkv protocol is served on / and /ws');
      if (ctx.stopping) {
        ctx.metrics.connectionsRefused++;
        return reject(socket, 503, 'the node is shutting down');
      }
      if (ctx.connections.size + upgrading.size >= ctx.options.connectionsMax) {
        ctx.metrics.connectionsRefused++;
        return reject(socket, 503, `the node has connectionsMax (${ctx.options.connectionsMax}) connections; retry later`, 'Retry-After: 1\r\n');
      }
      upgrading.add(socket);
      socket.once('close', () => upgrading.delete(socket));
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgrading.delete(socket);
        if (ctx.stopping) return ws.terminate();
        ctx.frames.watch(socket);
        const transport = new WebSocketTransport(ws, socket);
        transport.bind(new ClientConnection(transport, ctx, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, socket));
      });
    },
    close() {
      wss.close();
    },
  };
}
