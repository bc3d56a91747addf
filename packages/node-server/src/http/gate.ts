/**
 * The bearer check of the node's HTTP endpoints (issue 16): which token an
 * endpoint needs, and what a refusal answers, counts and logs.
 *
 *   endpoint           needs (when the node has tokens)
 *   /health            nothing, ever (a probe must not need a secret)
 *   /status, /metrics  any token (`read` or stronger); nothing with `metricsPublic`
 *   /dashboard/node, /dashboard/live   any token
 *   /admin/*, /repair, /backup/*, /dashboard/key   an `admin` token
 *
 * Invariants:
 *   1. A node without tokens (no `authToken`, no tokens file) lets every
 *      request pass.
 *   2. No or an unknown token: 401 `unauthorized` with `WWW-Authenticate:
 *      Bearer`; a token whose role is too weak: 403 `forbidden`; both as the
 *      admin endpoints' JSON `{"error":{"code","message"}}`, before anything
 *      else is read or done.
 *   3. Every refusal counts once in `ringkv_auth_refusals_total{reason,endpoint}`
 *      (and `ringkv_errors_total{code}`) and is logged at warn, throttled by
 *      the node's refusal log, with the endpoint, the remote address and the
 *      token's id when it had one: never the presented string.
 *   4. The read endpoints (`any` token) also pass a request carrying the
 *      cluster secret in `x-ringkv-cluster-secret`: the dashboard sampler of
 *      another member reads them so. The secret already grants every peer
 *      call, so it opens nothing new (compared in constant time).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../server/context.js';
import { allows } from '../auth/grant.js';
import { secretsEqual } from '../auth/secrets.js';
import { suppressedField } from '../log.js';
import { sendError } from './json.js';
import type { Role } from '../auth/tokens-file.js';

/** The endpoints the gate names in its metric and log (a closed set: label values stay bounded). */
export type GatedEndpoint = 'status' | 'metrics' | 'dashboard' | 'admin' | 'repair' | 'backup';

/** Header that carries the cluster secret for the read endpoints (invariant 4). */
export const clusterSecretHeader = 'x-ringkv-cluster-secret';

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function clusterSecretPresented(ctx: ServerContext, req: IncomingMessage): boolean {
  const secret = ctx.options.clusterSecret;
  const given = req.headers[clusterSecretHeader];
  return secret !== undefined && typeof given === 'string' && secretsEqual(secret, given);
}

/** Invariant 3. */
function counted(ctx: ServerContext, req: IncomingMessage, endpoint: GatedEndpoint, reason: 'unauthorized' | 'forbidden', tokenId: string | undefined): void {
  ctx.metrics.error(reason);
  ctx.metrics.authRefusal(reason, endpoint);
  const remote = req.socket.remoteAddress;
  ctx.refusalLog.run((suppressed) =>
    ctx.log.warn({ endpoint, remote, ...(tokenId === undefined ? {} : { tokenId }), ...suppressedField(suppressed) }, `refused an HTTP request to ${endpoint}: ${reason}`),
  );
}

/**
 * True when the request may proceed to `endpoint`, which needs a token of
 * role `need` (`read`: any token); otherwise answers 401 or 403 (module
 * invariants) and returns false.
 */
export function gate(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, endpoint: GatedEndpoint, need: Role): boolean {
  if (!ctx.auth.required) return true;
  const grant = ctx.auth.verify(bearerOf(req));
  if (grant !== undefined && allows(grant, need)) return true;
  if (grant === undefined && need === 'read' && clusterSecretPresented(ctx, req)) return true;
  const wanted = need === 'read' ? 'a token (any role)' : `a${need === 'admin' ? 'n' : ''} ${need} token`;
  if (grant !== undefined) {
    counted(ctx, req, endpoint, 'forbidden', grant.tokenId);
    sendError(res, 403, 'forbidden', `token ${grant.tokenId} has role ${grant.role}; ${endpoint} needs ${wanted}`);
    return false;
  }
  counted(ctx, req, endpoint, 'unauthorized', undefined);
  res.setHeader('www-authenticate', 'Bearer');
  sendError(res, 401, 'unauthorized', `${endpoint} needs ${wanted}: Authorization: Bearer <token>`);
  return false;
}

/** `/status` and `/metrics`: `gate` with any token, unless the node serves them publicly (`metricsPublic`). */
export function readGate(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, endpoint: 'status' | 'metrics'): boolean {
  return ctx.options.metricsPublic || gate(ctx, req, res, endpoint, 'read');
}
