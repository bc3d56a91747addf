/**
 * The HTTP side of the node's one port: `/health`, `/status`, `/metrics`.
 *
 * Invariants:
 *   1. Read-only and cheap: each answer is built from in-memory counters and
 *      `engine.stats()`; nothing here touches the disk.
 *   2. `/health` is 200 while the node serves and 503 once it is stopping, so
 *      a load balancer drains it first.
 *   3. Unknown paths are 404 and other methods 405, as JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../server/context.js';
import type { StorageEngine } from '../store/engine-port.js';
import { clusterStatus, type ClusterStatus } from '../cluster/status.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function pausedConnections(ctx: ServerContext): number {
  let n = 0;
  for (const c of ctx.connections) if (c.paused) n++;
  return n;
}

function largestSendBuffer(ctx: ServerContext): number {
  let max = 0;
  for (const c of ctx.connections) max = Math.max(max, c.bufferedBytes);
  return max;
}

function clusterOf(ctx: ServerContext): ClusterStatus | undefined {
  return ctx.cluster === undefined || ctx.hints === undefined || ctx.peers === undefined ? undefined : clusterStatus(ctx.cluster, ctx.hints, ctx.peers);
}

/** The /status document: identity, uptime, connections, request and error counts, store and engine stats. */
export function statusOf(ctx: ServerContext, engine: StorageEngine): Record<string, unknown> {
  return {
    id: ctx.options.id,
    state: ctx.stopping ? 'stopping' : 'serving',
    uptimeMs: Date.now() - ctx.startedAtMs,
    durability: ctx.options.durability,
    connections: {
      open: ctx.connections.size,
      max: ctx.options.connectionsMax,
      paused: pausedConnections(ctx),
      largestSendBufferBytes: largestSendBuffer(ctx),
      peakSendBufferBytes: ctx.metrics.sendBufferPeakBytes,
      opened: ctx.metrics.connectionsOpened,
      refused: ctx.metrics.connectionsRefused,
      droppedSlow: ctx.metrics.connectionsDroppedSlow,
    },
    inFlight: ctx.inFlight,
    requests: ctx.metrics.requestCounts(),
    errors: ctx.metrics.errorCounts(),
    writes: { ...ctx.store.stats },
    storage: engine.stats(),
    cluster: clusterOf(ctx),
  };
}

/** Builds the request handler of the node's HTTP server. */
export function httpHandler(ctx: ServerContext, engine: StorageEngine): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'only GET is served' });
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/health':
        return json(res, ctx.stopping ? 503 : 200, { status: ctx.stopping ? 'stopping' : 'ok', id: ctx.options.id });
      case '/status':
        return json(res, 200, statusOf(ctx, engine));
      case '/metrics': {
        const text = ctx.metrics.render(ctx.options.id, {
          connections: () => ctx.connections.size,
          pausedConnections: () => pausedConnections(ctx),
          queuedWrites: () => ctx.store.queuedWrites(),
          storage: () => engine.stats(),
          cluster: () => clusterOf(ctx),
        });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(text);
      }
      default:
        return json(res, 404, { error: `no route ${path}; try /health, /status, /metrics, or a WebSocket upgrade on /` });
    }
  };
}
