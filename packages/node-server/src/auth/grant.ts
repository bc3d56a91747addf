/**
 * What one connection (or one HTTP request) may do, from the token it
 * presented, and the check of each request against it (issue 16).
 *
 * Invariants:
 *   1. `read` may get, scan and watch the ring; `write` also put and delete;
 *      `admin` also the admin endpoints (http/admin.ts). A batch needs the
 *      role of its strongest op.
 *   2. With a prefix, every key of the request (each op of a batch) starts
 *      with it, or the whole request is `forbidden`: nothing of it runs; a
 *      scan's own prefix must start with it.
 *   3. The rate check comes last, so a request refused for its role or keys
 *      costs the token nothing; a batch costs one request per op.
 */
import { protocolError, type ClientRequest, type Key, type ProtocolError } from '@ringkv/protocol';
import { keyBytes } from '../store/keys.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Role } from './tokens-file.js';

export interface Grant {
  readonly tokenId: string;
  readonly role: Role;
  readonly prefix: Uint8Array | undefined;
  readonly limiter: RateLimiter | undefined;
}

const rank: Record<Role, number> = { read: 0, write: 1, admin: 2 };

/** True when `grant`'s role is `role` or stronger. */
export function allows(grant: Grant, role: Role): boolean {
  return rank[grant.role] >= rank[role];
}

/** Why `request` may not run under `grant` (a `forbidden` or `rate-limited` error), or undefined when it may. */
export function refusal(grant: Grant, request: ClientRequest, bytes: number, nowMs: number): ProtocolError | undefined {
  const id = request.id;
  if (request.type === 'scan') {
    // A scan lists keys: a read. A prefixed token lists only its own keys, so its scan must name its prefix (or a longer one).
    if (grant.prefix !== undefined && (request.prefix === undefined || !startsWith(request.prefix, grant.prefix))) {
      return protocolError('forbidden', `token ${grant.tokenId} may scan only with a prefix starting with ${JSON.stringify(new TextDecoder().decode(grant.prefix))}`, { requestId: id });
    }
  } else if (request.type !== 'ring') {
    const ops = request.type === 'batch' ? request.ops : [request];
    for (const op of ops) {
      if (op.type !== 'get' && !allows(grant, 'write')) {
        return protocolError('forbidden', `a ${grant.role} token may not ${op.type} (token ${grant.tokenId})`, { requestId: id });
      }
      if (grant.prefix !== undefined && !startsWith(op.key, grant.prefix)) {
        return protocolError('forbidden', `token ${grant.tokenId} is limited to keys starting with ${JSON.stringify(new TextDecoder().decode(grant.prefix))}`, { requestId: id });
      }
    }
  }
  const ops = request.type === 'batch' ? request.ops.length : 1; // a batch costs its ops: batching does not multiply a rate
  const waitMs = grant.limiter?.admit(bytes, nowMs, ops) ?? 0;
  if (waitMs > 0) {
    const retryAfterMs = Math.ceil(waitMs);
    return protocolError('rate-limited', `token ${grant.tokenId} is over its rate; retry in ${retryAfterMs} ms`, { requestId: id, retryAfterMs });
  }
  return undefined;
}

function startsWith(wireKey: Key, prefix: Uint8Array): boolean {
  const key = keyBytes(wireKey);
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
