/**
 * The message a link sends for a call body: the body plus the link's `id`
 * and the caller's `timeoutMs`.
 *
 * Invariants:
 *   1. `apply` and `fetch`, the replica calls of every request, are built as
 *      objects of one fixed shape each (an object spread of bodies of varying
 *      shape took 3 % of a loaded cluster node's CPU, issue 12); any other
 *      call is the body spread with the two fields.
 *   2. Optional fields absent from the body stay absent (never `undefined`).
 */
import type { PeerMessage } from '@ringkv/protocol';
import type { PeerCallBody } from './peer-link.js';

/** The wire message of call `id` for `body`, with `timeoutMs` (already clamped by the caller). */
export function callMessage(body: PeerCallBody, id: number, timeoutMs: number): PeerMessage {
  if (body.type === 'fetch') {
    return body.hintFor === undefined ? { type: 'fetch', id, key: body.key, timeoutMs } : { type: 'fetch', id, key: body.key, hintFor: body.hintFor, timeoutMs };
  }
  if (body.type === 'apply') {
    if (body.hintFor === undefined) return { type: 'apply', id, key: body.key, set: body.set, timeoutMs };
    return body.hintStampMs === undefined
      ? { type: 'apply', id, key: body.key, set: body.set, hintFor: body.hintFor, timeoutMs }
      : { type: 'apply', id, key: body.key, set: body.set, hintFor: body.hintFor, hintStampMs: body.hintStampMs, timeoutMs };
  }
  return { ...body, id, timeoutMs } as PeerMessage;
}
