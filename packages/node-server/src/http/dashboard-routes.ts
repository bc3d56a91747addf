/**
 * The dashboard's routes on the node's HTTP port:
 *
 *   GET /                     the page (dashboard-static.ts), and GET /ui/<file> its files
 *   GET /dashboard/node       {id, actor, generation}: who this node writes as   any token
 *   GET /dashboard/live       the live stream (dashboard-live.ts)             any token
 *   GET /dashboard/key?key=…  the key inspector (dashboard-key.ts)            admin token
 *
 * The page also uses `GET /admin/plan` (admin.ts) for the plan of a join or
 * leave. With tokens (`authToken`, a tokens file), the request needs
 * `Authorization: Bearer <token>` of that role (gate.ts); the sampler reads
 * the other members' `/status`, `/metrics` and `/dashboard/node` with the
 * cluster secret (gate.ts invariant 4).
 *
 * Invariants:
 *   1. Only GET and HEAD reach these routes; other methods fall through to
 *      the node's 405. A HEAD of the live stream answers its headers and
 *      ends: no request waits on a stream.
 *   2. One sampler per node (a WeakMap on its context), created at the
 *      first live stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../server/context.js';
import type { StorageEngine } from '../store/engine-port.js';
import { actorOf, readIncarnation } from '../cluster/meta.js';
import { authorized, sendError, sendJson } from './admin.js';
import { clusterSecretHeader, gate } from './gate.js';
import { assetOf, serveAsset } from './dashboard-static.js';
import type { RingMemberPicture } from '@ringkv/dashboard';
import { DashboardSampler } from './dashboard-sampler.js';
import { liveStream } from './dashboard-live.js';
import { inspectKey } from './dashboard-key.js';
import { fetchText } from './fetch-text.js';
import { dashboardFetchBytesMax, dashboardFetchTimeoutMs } from './dashboard-limits.js';

const samplers = new WeakMap<ServerContext, DashboardSampler>();

/** 2^64 as a double: ring positions become fractions of the ring for drawing. */
const ringSize = 2 ** 64;

/** The sampler's credential on the other members' read endpoints (gate.ts invariant 4); none without a cluster secret. */
function secretHeaders(ctx: ServerContext): Record<string, string> {
  const secret = ctx.options.clusterSecret;
  return secret === undefined ? {} : { [clusterSecretHeader]: secret };
}

function samplerOf(ctx: ServerContext): DashboardSampler {
  let sampler = samplers.get(ctx);
  if (sampler !== undefined) return sampler;
  let ring: { version: number; members: RingMemberPicture[] } | undefined;
  sampler = new DashboardSampler({
    selfId: ctx.options.id,
    members: () => (ctx.cluster?.view.snapshot() ?? []).map((m) => ({ id: m.id, address: m.address, status: m.status, generation: m.generation })),
    ring: () => {
      const view = ctx.cluster?.view;
      if (view === undefined) return { version: 0, members: [] };
      if (ring?.version !== view.version) {
        ring = { version: view.version, members: view.ring.nodes().map((n) => ({ id: n.id, tokens: view.ring.tokens(n.id).map((p) => Math.round((Number(p) / ringSize) * 1e6) / 1e6) })) };
      }
      return ring;
    },
    fetchText: (url) => fetchText(url, dashboardFetchTimeoutMs, dashboardFetchBytesMax, secretHeaders(ctx), ctx.tls?.clientOptions()),
    nowMs: () => Date.now(),
    setTimer: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      timer.unref();
      return () => clearTimeout(timer);
    },
    stopping: () => ctx.stopping,
  });
  samplers.set(ctx, sampler);
  return sampler;
}

/** This node's identity for the sampler of whichever node serves the page: its actor is named by the stored incarnation (cluster/meta.ts). */
function nodeIdentity(ctx: ServerContext, engine: StorageEngine, res: ServerResponse): void {
  const self = ctx.cluster?.view.snapshot().find((m) => m.id === ctx.options.id);
  const incarnation = readIncarnation((key) => engine.getSync(key));
  sendJson(res, 200, { id: ctx.options.id, actor: incarnation === undefined ? null : actorOf(ctx.options.id, incarnation.epoch), generation: self?.generation ?? null });
}

/** Handles the dashboard's routes (module comment); false when `path` is not one of them. */
export function dashboardRoute(ctx: ServerContext, engine: StorageEngine, path: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const asset = assetOf(path);
  if (asset !== undefined) {
    void serveAsset(res, asset, req.method === 'HEAD');
    return true;
  }
  switch (path) {
    case '/dashboard/node':
      if (gate(ctx, req, res, 'dashboard', 'read')) nodeIdentity(ctx, engine, res);
      return true;
    case '/dashboard/live':
      if (!gate(ctx, req, res, 'dashboard', 'read')) return true;
      if (ctx.stopping || ctx.cluster === undefined) sendError(res, 503, 'stopping', 'the node is stopping (or not serving yet)');
      else if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).end(); // a stream that never ends has no HEAD to wait for
      else liveStream(samplerOf(ctx), req, res);
      return true;
    case '/dashboard/key':
      if (!authorized(ctx, req, res, 'dashboard')) return true;
      void inspectKey(ctx, req, res).catch((error: unknown) => sendError(res, 500, 'internal', (error as Error).message));
      return true;
    default:
      return false;
  }
}
