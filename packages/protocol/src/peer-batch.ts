/**
 * The peer batch frame: many replica calls to one peer, or many replies from
 * it, in one frame (issue 12: a coordinator under load sends hundreds of
 * `apply`/`fetch` calls per event-loop turn to each peer).
 *
 *   peer-batch  {messages: [message, …]}   each message a map of its own type
 *
 * A batch carries calls (`apply`, `fetch`, `forward`) from the dialer, or
 * replies (`apply-ok`, `fetch-ok`, `forward-ok`, `peer-error` with an id) from
 * the acceptor. Each message keeps its own id and `timeoutMs`: a batch is
 * framing only, never a unit of success or failure, and replies may come back
 * in other batches than their calls, in any order.
 *
 * Batching is a capability negotiated in the peer hello (`batching: true` in
 * both `peer-hello` and `peer-hello-ok`): a node sends `peer-batch` only to a
 * peer that said it reads them, so nodes without it (which ignore the field)
 * keep exchanging single frames during a rolling upgrade.
 *
 * Invariants:
 *   1. At most `peerBatchMessagesMax` messages, none empty of an id, no
 *      nested batch, no other type; each is validated as the message it is.
 *   2. A batch holds calls only or replies only.
 */
import { protocolError } from './errors.js';
import { isWireMap, own, readArray, type FieldContext, type WireMap } from './fields.js';
import { peerBatchMessagesMax } from './limits.js';
import type { ApplyMessage, ApplyOkMessage, FetchMessage, FetchOkMessage, ForwardMessage, ForwardOkMessage, PeerErrorMessage, PeerMessage } from './peer.js';

/** Calls that may travel in a batch. */
export type BatchableCall = ApplyMessage | FetchMessage | ForwardMessage;

/** Replies that may travel in a batch (an error reply always names its call). */
export type BatchableReply = ApplyOkMessage | FetchOkMessage | ForwardOkMessage | (PeerErrorMessage & { readonly id: number });

/** Many calls, or many replies, in one frame. */
export interface PeerBatchMessage {
  readonly type: 'peer-batch';
  readonly messages: readonly BatchableCall[] | readonly BatchableReply[];
}

const callTypes: ReadonlySet<string> = new Set(['apply', 'fetch', 'forward']);
const replyTypes: ReadonlySet<string> = new Set(['apply-ok', 'fetch-ok', 'forward-ok', 'peer-error']);

/** True when `message` may travel in a batch of calls. */
export function isBatchableCall(message: PeerMessage): message is BatchableCall {
  return callTypes.has(message.type);
}

/** True when `message` may travel in a batch of replies. */
export function isBatchableReply(message: PeerMessage): message is BatchableReply {
  return replyTypes.has(message.type) && (message as { id?: unknown }).id !== undefined;
}

/**
 * The batch in `map`, each message validated by `validateOne` (peer.ts's
 * validator, passed in to keep the modules acyclic); throws `ProtocolError`.
 */
export function validatePeerBatch(ctx: FieldContext, map: WireMap, validateOne: (map: WireMap) => PeerMessage): PeerBatchMessage {
  const raw = readArray(ctx, map, 'messages', peerBatchMessagesMax);
  if (raw.length === 0) throw protocolError('invalid-message', 'peer-batch: messages must not be empty');
  const out: PeerMessage[] = [];
  let calls = 0;
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i];
    if (!isWireMap(item)) throw protocolError('invalid-message', `peer-batch: messages[${i}] must be a map`);
    const type = own(item, 'type');
    if (typeof type !== 'string' || (!callTypes.has(type) && !replyTypes.has(type))) {
      throw protocolError('invalid-message', `peer-batch: messages[${i}] may not be a ${JSON.stringify(String(type).slice(0, 64))}`);
    }
    const message = validateOne(item);
    if (message.type === 'peer-error' && message.id === undefined) throw protocolError('invalid-message', `peer-batch: messages[${i}] is a peer-error without an id`);
    if (callTypes.has(type)) calls++;
    out.push(message);
  }
  if (calls !== 0 && calls !== out.length) throw protocolError('invalid-message', 'peer-batch: calls and replies may not share a batch');
  return { type: 'peer-batch', messages: out as BatchableCall[] | BatchableReply[] };
}
