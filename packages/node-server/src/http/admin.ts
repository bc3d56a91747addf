/**
 * The admin endpoints of topology changes, and the bearer check every POST
 * (and the plan) passes when the node has tokens (`authToken`, tokens file):
 *
 *   POST /admin/leave                      → 202 {"state":"leaving"}
 *   POST /admin/remove {"id","force"?}     → 200 {"removed":id}
 *   POST /admin/cleanup                    → 200 {"rangesDropped","keysDropped","bytesPushed"}
 *   GET  /admin/plan?op=join|leave&id=…[&vnodes&weight&rack|zone&dc&machine] → 200 the plan
 *
 * Invariants:
 *   1. With a token, a request without `Authorization: Bearer <token>` gets
 *      401 before anything else is read or done (constant-time compare).
 *   2. Every error is JSON `{"error":{"code","message"}}`: 400 bad body or
 *      query, 401, 403, 404 unknown member, 409 wrong state, 503 stopping.
 *   3. A body is read up to `adminBodyBytesMax`; more is a 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../server/context.js';
import { gate, type GatedEndpoint } from './gate.js';
import { sendError, sendJson } from './json.js';
import { adminBodyBytesMax } from '../topology/limits.js';
import type { AdminResult } from '../topology/admin-result.js';
import type { PlanQuery } from '../topology/plan.js';

export { sendError, sendJson } from './json.js';

/** An `admin` token, or a 401/403 answer (gate.ts). */
export function authorized(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, endpoint: GatedEndpoint = 'admin'): boolean {
  return gate(ctx, req, res, endpoint, 'admin');
}

/**
 * A request body of at most `bytesMax` bytes, or undefined when it is larger
 * (a declared length over the bound is refused unread) or the request fails.
 */
export function readBodyBytes(req: IncomingMessage, bytesMax: number): Promise<Uint8Array | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > bytesMax) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= bytesMax) parts.push(chunk);
    });
    req.on('end', () => resolve(bytes > bytesMax ? undefined : new Uint8Array(Buffer.concat(parts))));
    req.on('error', () => resolve(undefined));
  });
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const body = await readBodyBytes(req, adminBodyBytesMax);
  return body === undefined ? undefined : Buffer.from(body).toString('utf8');
}

/** The JSON object of a POST body ({} when empty), or undefined after answering 400. */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
  const text = await readBody(req);
  if (text === undefined) return void sendError(res, 400, 'bad-request', `the body must be at most ${adminBodyBytesMax} bytes`);
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return void sendError(res, 400, 'bad-request', 'the body must be a JSON object');
}

function answer<T>(res: ServerResponse, result: AdminResult<T>, okStatus: number): void {
  if (result.ok) sendJson(res, okStatus, result.value);
  else sendError(res, result.status, result.code, result.message);
}

/** Handles `/admin/*`; false when the path is not one of its routes. */
export function adminRoute(ctx: ServerContext, path: string, req: IncomingMessage, res: ServerResponse): boolean {
  const route = `${req.method ?? 'GET'} ${path}`;
  const known = ['POST /admin/leave', 'POST /admin/remove', 'POST /admin/cleanup', 'GET /admin/plan'];
  if (!known.includes(route)) {
    if (!path.startsWith('/admin/')) return false;
    sendError(res, known.some((k) => k.endsWith(` ${path}`)) ? 405 : 404, 'no-route', `no route ${route}; admin routes: ${known.join(', ')}`);
    return true;
  }
  if (!authorized(ctx, req, res)) return true;
  const topology = ctx.core?.topology;
  if (ctx.stopping || topology === undefined) {
    sendError(res, 503, 'stopping', 'the node is stopping (or not serving yet)');
    return true;
  }
  void dispatch(route, topology, req, res).catch((error: unknown) => sendError(res, 500, 'internal', (error as Error).message));
  return true;
}

async function dispatch(route: string, topology: NonNullable<ServerContext['core']>['topology'], req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (route) {
    case 'POST /admin/leave':
      if ((await jsonBody(req, res)) === undefined) return;
      return answer(res, topology.leave(), 202);
    case 'POST /admin/remove': {
      const body = await jsonBody(req, res);
      if (body === undefined) return;
      if (typeof body['id'] !== 'string' || body['id'] === '') return sendError(res, 400, 'bad-request', 'the body must name the member: {"id":"n4"}');
      if (body['force'] !== undefined && typeof body['force'] !== 'boolean') return sendError(res, 400, 'bad-request', '"force" must be true or false');
      return answer(res, topology.remove(body['id'], body['force'] === true), 200);
    }
    case 'POST /admin/cleanup':
      if ((await jsonBody(req, res)) === undefined) return;
      return answer(res, await topology.cleanup(), 200);
    case 'GET /admin/plan': {
      const query = planQuery(new URL(req.url ?? '/', 'http://node').searchParams);
      if (typeof query === 'string') return sendError(res, 400, 'bad-request', query);
      return answer(res, await topology.plan(query), 200);
    }
  }
}

/** The plan's query, or what is wrong with it. */
function planQuery(q: URLSearchParams): PlanQuery | string {
  const op = q.get('op');
  const id = q.get('id');
  if (op !== 'join' && op !== 'leave') return 'op must be join or leave';
  if (id === null || id === '' || id.length > 128) return 'id must name a member (1 to 128 characters)';
  const out: { op: 'join' | 'leave'; id: string; vnodes?: number; weight?: number; zone?: string; dc?: string; machine?: string } = { op, id };
  const vnodes = q.get('vnodes');
  if (vnodes !== null) {
    const v = Number(vnodes);
    if (!Number.isInteger(v) || v < 1 || v > 4096) return 'vnodes must be an integer in [1, 4096]';
    out.vnodes = v;
  }
  const weight = q.get('weight');
  if (weight !== null) {
    const w = Number(weight);
    if (!Number.isFinite(w) || w <= 0 || w > 64) return 'weight must be a number in (0, 64]';
    out.weight = w;
  }
  // rack is the name of zone now; both name the joining node's rack (the CLI sends zone, which every node version reads).
  const zone = q.get('rack') ?? q.get('zone');
  if (zone !== null) {
    if (zone.length > 64) return 'rack (zone) must be at most 64 characters';
    out.zone = zone;
  }
  const dc = q.get('dc');
  if (dc !== null) {
    if (dc.length > 64) return 'dc must be at most 64 characters';
    out.dc = dc;
  }
  const machine = q.get('machine');
  if (machine !== null) {
    if (machine.length > 256) return 'machine must be at most 256 characters';
    out.machine = machine;
  }
  if ((out.vnodes ?? 64) * (out.weight ?? 1) > 4096) return 'vnodes × weight must be at most 4096';
  const placed = [out.vnodes, out.weight, out.zone, out.dc, out.machine].some((x) => x !== undefined);
  if (op === 'leave' && placed) return 'vnodes, weight, rack (zone), dc and machine apply to op=join only';
  return out;
}
