/**
 * The HTTP side of the node's one port: `/health`, `/status`, `/metrics`,
 * `/cluster/settings` (the agreed cluster settings, which a node joining
 * through this one adopts), `POST /repair` (an anti-entropy pass now) and the topology admin routes
 * (admin.ts: `/admin/leave`, `/admin/remove`, `/admin/cleanup`, `/admin/plan`).
 * With tokens (`authToken`, a tokens file), `/status` and `/metrics` need
 * `Authorization: Bearer <token>` of any role (unless `metricsPublic`), and
 * every POST and the plan an admin one; `/health` is always open (gate.ts).
 *
 * Invariants:
 *   1. Read-only and cheap: each answer is built from in-memory counters and
 *      `engine.stats()`; nothing here touches the disk.
 *   2. `/health` is 200 while the node serves, 503 `stopping` once it is
 *      stopping (a load balancer drains it first), 503 `read-only` with
 *      the reason while its storage refuses writes (a full disk: it comes back
 *      by itself once space is freed; reads still work), and 503 `joining`
 *      until a join has streamed its ranges (the node then serves them). The
 *      port opens only once the node serves, so a readiness probe on
 *      `/health` passes exactly while the node serves its ranges.
 *   3. Unknown paths are 404 and other methods 405, as JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsSources, PartialFrameFigures } from '../metrics.js';
import type { ServerContext } from '../server/context.js';
import { storageStatus, writeStateOf, type StorageEngine } from '../store/engine-port.js';
import { clusterStatus, type ClusterStatus } from '../cluster/status.js';
import { serveMetrics } from './metrics-route.js';
import { adminRoute, authorized, sendError } from './admin.js';
import { backupRoute } from './backup.js';
import { readGate } from './gate.js';
import { dashboardRoute } from './dashboard-routes.js';
import { settingsPath } from '../cluster/settings-discovery.js';
import type { RequestBytesStatus } from '../metrics.js';

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

/** Request bytes in flight (connection.ts invariant 8, request-budget.ts). */
export function requestBytesOf(ctx: ServerContext): RequestBytesStatus {
  let paused = 0;
  for (const c of ctx.connections) if (c.bytesPaused) paused++;
  const b = ctx.requestBudget;
  return {
    inFlightBytes: b.bytes,
    peakBytes: b.peakBytes,
    maxBytes: b.maxBytes,
    perConnectionMaxBytes: ctx.options.requestBytesInFlightMax,
    pausedConnections: paused,
    budgetWaits: b.waits,
    storageBehind: b.storageBehind(),
  };
}

/** Raw socket admission figures: anonymous now, and the counters of the guard. */
function socketsOf(ctx: ServerContext): { anonymous: number; evicted: number; refusedPerAddress: number; timedOut: number } {
  return { anonymous: ctx.sockets.anonymousCount, ...ctx.sockets.stats };
}

/** Incomplete messages now (bytes, connections), and the connections the frame guard destroyed. */
function partialFramesOf(ctx: ServerContext): PartialFrameFigures {
  return { bytes: ctx.frames.partialBytes, connections: ctx.frames.partialConnections, ...ctx.frames.stats };
}

function clusterOf(ctx: ServerContext): ClusterStatus | undefined {
  if (ctx.cluster === undefined || ctx.hints === undefined || ctx.peers === undefined) return undefined;
  const status = clusterStatus(ctx.cluster, ctx.hints, ctx.peers, ctx.agreed);
  return ctx.core === undefined ? status : { ...status, topology: ctx.core.topology.status() };
}

/** The live figures /metrics reads (metrics-route.ts). */
function metricsSources(ctx: ServerContext, engine: StorageEngine): MetricsSources {
  return {
    connections: () => ctx.connections.size,
    pausedConnections: () => pausedConnections(ctx),
    requestBytes: () => requestBytesOf(ctx),
    queuedWrites: () => ctx.store.queuedWrites(),
    storage: () => storageStatus(engine),
    logLossRepairPending: () => ctx.store.readHold.held,
    cluster: () => clusterOf(ctx),
    sockets: () => socketsOf(ctx),
    partialFrames: () => partialFramesOf(ctx),
  };
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
      sockets: socketsOf(ctx),
      partialFrames: partialFramesOf(ctx),
    },
    inFlight: ctx.inFlight,
    requestBytes: requestBytesOf(ctx),
    requests: ctx.metrics.requestCounts(),
    errors: ctx.metrics.errorCounts(),
    writes: { ...ctx.store.stats },
    store: ctx.core?.topology.data.status(),
    storage: storageStatus(engine),
    logLossRepair: { pending: ctx.store.readHold.held, sinceMs: ctx.store.readHold.sinceMs },
    cluster: clusterOf(ctx),
    antiEntropy: ctx.antiEntropy === undefined ? undefined : { ...ctx.antiEntropy.stats, bucketsLog2: ctx.antiEntropy.trees.bucketsLog2, build: ctx.antiEntropy.buildStatus() },
    tombstones: ctx.antiEntropy === undefined ? undefined : { ...ctx.antiEntropy.tombstones.stats },
    runtime: ctx.runtime.status(),
  };
}

/**
 * `POST /repair`: runs a full anti-entropy pass now (or joins the running
 * one) and answers its summary as JSON; 503 while the cluster is not up.
 * The body streams one progress line per exchange (`{"progress":…}`) and
 * ends with `{"summary":…}`, so a long pass shows progress.
 */
function repair(ctx: ServerContext, res: ServerResponse): void {
  const ae = ctx.antiEntropy;
  if (ae === undefined || ctx.stopping) return sendError(res, 503, 'stopping', 'anti-entropy is not running on this node');
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  ae.repair((done, total, group, peer) => res.write(`${JSON.stringify({ progress: { done, total, group, peer } })}\n`)).then(
    (summary) => res.end(`${JSON.stringify({ summary })}\n`),
    (error: unknown) => res.end(`${JSON.stringify({ error: (error as Error).message })}\n`),
  );
}

/** `/health` (invariant 2): what a load balancer needs, from memory only. */
function health(ctx: ServerContext, engine: StorageEngine, res: ServerResponse): void {
  if (ctx.stopping) return json(res, 503, { status: 'stopping', id: ctx.options.id });
  const state = writeStateOf(engine);
  if (!state.writable) return json(res, 503, { status: 'read-only', reason: state.reason, id: ctx.options.id });
  // A joining node serves none of its ranges yet: not ready (Kubernetes admits the next pod only once this one has joined).
  if (ctx.core?.topology.status().self === 'joining') return json(res, 503, { status: 'joining', id: ctx.options.id });
  return json(res, 200, { status: 'ok', id: ctx.options.id });
}

/** Builds the request handler of the node's HTTP server. */
export function httpHandler(ctx: ServerContext, engine: StorageEngine): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/repair' && req.method === 'POST') return authorized(ctx, req, res, 'repair') ? repair(ctx, res) : undefined;
    if (backupRoute(ctx, engine, path, req, res)) return;
    if (adminRoute(ctx, path, req, res)) return;
    if (dashboardRoute(ctx, engine, path, req, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'only GET is served (and POST /repair, POST /admin/*)' });
    switch (path) {
      case '/health':
        return health(ctx, engine, res);
      case '/status':
        return readGate(ctx, req, res, 'status') ? json(res, 200, statusOf(ctx, engine)) : undefined;
      case settingsPath:
        // A node starting with this one as a seed adopts its record (cluster/agreement.ts, rule 2).
        return json(res, 200, { settings: ctx.agreed.record });
      case '/metrics':
        return readGate(ctx, req, res, 'metrics') ? serveMetrics(ctx, engine, res, metricsSources) : undefined;
      default:
        return json(res, 404, { error: `no route ${path}; try /health, /status, /metrics, or a WebSocket upgrade on /` });
    }
  };
}
