/**
 * The message types of the client protocol (client ↔ node), as values in
 * memory. On the wire each message is one MessagePack map: the envelope keys
 * `v` (frame version) and `k` (kind) followed by the message's own fields,
 * under the same names as here (docs/format/wire.md).
 *
 * Invariants:
 *   1. Every message has a `type` string that selects its schema.
 *   2. Requests and their replies carry the same `id`; replies may come in
 *      any order, so the id is the only way to pair them.
 *   3. Byte fields (keys, values, contexts) are `Uint8Array`s; decoded ones
 *      are views into the frame they came from, not copies.
 */

import type { ProtocolErrorCode } from './errors.js';

/** Version of the frame layout (the `v` key). Changes only if the envelope itself changes. */
export const FRAME_VERSION = 1;

/** Version of the client message set and its meaning, negotiated by `hello`. */
export const PROTOCOL_VERSION = 1;

/** The `k` key of the envelope: which message family a frame belongs to. */
export const MessageKind = Object.freeze({
  /** Client ↔ node messages (this file). */
  client: 0,
  /** Node ↔ node messages (peer.ts, `PeerCodec`); a client codec refuses them. */
  peer: 1,
} as const);

/** A key: a UTF-8 string or raw bytes, at most `keyBytesMax` encoded bytes. */
export type Key = string | Uint8Array;

/**
 * How a value's bytes are to be read: `bytes` are the user's raw bytes,
 * `msgpack` is a MessagePack-encoded value (see `WireCodec.packValue`). The
 * node stores both as opaque bytes and never decodes them.
 */
export type ValueEncoding = 'bytes' | 'msgpack';

/** How many replicas must answer: a count, or a level relative to the key's N. */
export type ConsistencyLevel = number | 'one' | 'quorum' | 'all';

/** Per-request options; absent fields use the node's defaults. */
export interface RequestOptions {
  /** Replies to wait for on reads. */
  readonly r?: ConsistencyLevel;
  /** Acknowledgements to wait for on writes. */
  readonly w?: ConsistencyLevel;
  /** The node gives up (answering `timeout`) after this many ms. */
  readonly timeoutMs?: number;
  /** Ask for a delivery receipt in the reply; the fields of the receipt come with the cluster protocol. */
  readonly receipt?: boolean;
}

/** First frame a client sends. */
export interface HelloMessage {
  readonly type: 'hello';
  readonly protocolVersion: number;
  readonly clientName: string;
  readonly authToken?: string;
}

/** The limits a node enforces, told to the client in `hello-ok`. */
export interface AdvertisedLimits {
  readonly frameBytesMax: number;
  readonly keyBytesMax: number;
  readonly valueBytesMax: number;
  readonly contextBytesMax: number;
  readonly batchOpsMax: number;
  /** Requests a connection may have outstanding before the node answers `too-many-in-flight`. */
  readonly inFlightMax: number;
}

/** The node's answer to an accepted `hello`. */
export interface HelloOkMessage {
  readonly type: 'hello-ok';
  readonly nodeId: string;
  readonly protocolVersion: number;
  readonly limits: AdvertisedLimits;
}

/** Read every sibling of a key. */
export interface GetRequest {
  readonly type: 'get';
  readonly id: number;
  readonly key: Key;
  readonly options?: RequestOptions;
}

/** Write a value; `context` is the one read, so the write supersedes what it saw. */
export interface PutRequest {
  readonly type: 'put';
  readonly id: number;
  readonly key: Key;
  readonly value: Uint8Array;
  /** Absent means `bytes`. */
  readonly valueEncoding?: 'msgpack';
  readonly context?: Uint8Array;
  /** The value expires this many ms after the coordinator accepts it (1 … `ttlMsMax`); absent: never. */
  readonly ttlMs?: number;
  /** Write only if the key holds no value (tombstones and expired values count as absent); else `condition-failed`. */
  readonly ifAbsent?: true;
  /** Write only if `context` covers every version the key holds (nothing written since that read); else `condition-failed`. */
  readonly ifMatch?: true;
  readonly options?: RequestOptions;
}

/** Delete a key (write a tombstone version) superseding what `context` saw. */
export interface DeleteRequest {
  readonly type: 'delete';
  readonly id: number;
  readonly key: Key;
  readonly context?: Uint8Array;
  /** As `PutRequest.ifMatch`. */
  readonly ifMatch?: true;
  readonly options?: RequestOptions;
}

/** One operation of a batch: a request without id and options. */
export type BatchOp =
  | { readonly type: 'get'; readonly key: Key }
  | {
      readonly type: 'put';
      readonly key: Key;
      readonly value: Uint8Array;
      readonly valueEncoding?: 'msgpack';
      readonly context?: Uint8Array;
    }
  | { readonly type: 'delete'; readonly key: Key; readonly context?: Uint8Array };

/** Several operations in one frame, answered by one `batch-ok` with results in the same order. */
export interface BatchRequest {
  readonly type: 'batch';
  readonly id: number;
  readonly ops: readonly BatchOp[];
  readonly options?: RequestOptions;
}

/** One version of a key: a value, or a tombstone left by a delete. */
export type Sibling =
  | { readonly value: Uint8Array; readonly valueEncoding?: 'msgpack' }
  | { readonly tombstone: true };

/** The body of a get reply, shared by `get-ok` and batch results. */
export interface GetResult {
  /** True when at least one sibling is a value (not a tombstone). */
  readonly found: boolean;
  readonly siblings: readonly Sibling[];
  /** Opaque causal context to pass to the next put or delete of this key. */
  readonly context: Uint8Array;
}

/**
 * What a coordinated request did, replica by replica; sent only when the
 * request asked for it (`options.receipt`). Plain data for debugging
 * consistency; its fields mirror @ringkv/quorum's receipt.
 */
export interface WireReceipt {
  /** The node that coordinated the request. */
  readonly coordinator: string;
  /** True when the node the client talked to forwarded the request to `coordinator`. */
  readonly forwarded: boolean;
  readonly op: 'get' | 'put' | 'delete';
  readonly n: number;
  readonly r?: number;
  readonly w?: number;
  readonly mode: 'sloppy' | 'strict';
  readonly replicas: readonly WireReceiptReplica[];
  /** Reads: versions seen in replies that the merge dropped as superseded. */
  readonly siblingsReconciled: number;
  /** Reads: the replicas sent the merged set because their reply was stale. */
  readonly readRepair: readonly string[];
  /** Writes: down primaries for which the coordinator kept the hint itself. */
  readonly localHints: readonly string[];
  readonly elapsedMs: number;
}

/** One replica of a receipt. */
export interface WireReceiptReplica {
  readonly node: string;
  readonly role: 'primary' | 'fallback';
  readonly hintFor?: string;
  readonly outcome: 'ack' | 'error' | 'timeout' | 'not-sent' | 'pending';
  readonly latencyMs?: number;
  readonly error?: string;
}

/** Reply to `get`. */
export interface GetOkMessage extends GetResult {
  readonly type: 'get-ok';
  readonly id: number;
  readonly receipt?: WireReceipt;
}

/** Reply to `put`: the write was acknowledged by W replicas. */
export interface PutOkMessage {
  readonly type: 'put-ok';
  readonly id: number;
  readonly context: Uint8Array;
  readonly receipt?: WireReceipt;
}

/** Reply to `delete`: the tombstone was acknowledged by W replicas. */
export interface DeleteOkMessage {
  readonly type: 'delete-ok';
  readonly id: number;
  readonly context: Uint8Array;
  readonly receipt?: WireReceipt;
}

/**
 * Ask a node for the cluster's ring: its members and their placement fields.
 * The client computes the ring itself with @ringkv/hashring (every node and
 * client derive the same tokens from the same members; docs/format/wire.md,
 * "Ring").
 */
export interface RingRequest {
  readonly type: 'ring';
  readonly id: number;
  /** Also push `ring-changed` on this connection whenever the ring's version changes. */
  readonly watch?: boolean;
}

/**
 * Pushed (no id) to a connection that sent `ring` with `watch: true`, when
 * the node's ring version changes; the client re-sends `ring` to learn the
 * new members.
 */
export interface RingChangedMessage {
  readonly type: 'ring-changed';
  readonly version: number;
}

/** A member's state as the answering node judges it. */
export type RingMemberStatus = 'joining' | 'normal' | 'leaving' | 'suspect' | 'down';

/** One member of the ring. */
export interface RingMember {
  readonly id: string;
  /** Where clients reach it (`ws://host:port`). */
  readonly url: string;
  /** Virtual nodes of weight 1; its ring tokens are `round(vnodes × weight)`. */
  readonly vnodes: number;
  readonly weight: number;
  /** '' when zones are not configured. */
  readonly zone: string;
  readonly status: RingMemberStatus;
}

/** Reply to `ring`. */
export interface RingOkMessage {
  readonly type: 'ring-ok';
  readonly id: number;
  /** A fingerprint of the placement (ids, vnodes, weights, zones of the ring's members): equal on every node that sees the same ring. */
  readonly version: number;
  /** The cluster's default replica count N. */
  readonly n: number;
  /** Every member that owns tokens (joining members are listed but own none), sorted by id. */
  readonly members: readonly RingMember[];
}

/** One result of a batch, in the order of the ops. */
export type BatchResult =
  | ({ readonly type: 'get-ok' } & GetResult)
  | { readonly type: 'put-ok'; readonly context: Uint8Array }
  | { readonly type: 'delete-ok'; readonly context: Uint8Array }
  | { readonly type: 'error'; readonly code: ProtocolErrorCode; readonly message: string };

/** Reply to `batch`. */
export interface BatchOkMessage {
  readonly type: 'batch-ok';
  readonly id: number;
  readonly results: readonly BatchResult[];
}

/**
 * An error, for one request (`id` set) or for the connection. `code` is a
 * `ProtocolErrorCode`; a code this version does not know arrives as
 * `internal` with the original code in the message.
 */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id?: number;
  readonly code: ProtocolErrorCode;
  readonly message: string;
  /** With `rate-limited`: milliseconds until the request would be admitted (integer ≥ 0). */
  readonly retryAfterMs?: number;
  /** With `condition-failed`: the versions the coordinator read (a get result). */
  readonly current?: GetResult;
}

/** Requests a client sends. */
export type ClientRequest = GetRequest | PutRequest | DeleteRequest | BatchRequest | RingRequest;

/** Replies a node sends to requests. */
export type NodeReply = GetOkMessage | PutOkMessage | DeleteOkMessage | BatchOkMessage | RingOkMessage | ErrorMessage;

/** Every message of the client protocol. */
export type Message = HelloMessage | HelloOkMessage | ClientRequest | NodeReply | RingChangedMessage;

/** The `type` strings of every message. */
export type MessageType = Message['type'];

/** All message types, for iteration and for docs. */
export const messageTypes: readonly MessageType[] = Object.freeze([
  'hello',
  'hello-ok',
  'get',
  'put',
  'delete',
  'batch',
  'ring',
  'get-ok',
  'put-ok',
  'delete-ok',
  'batch-ok',
  'ring-ok',
  'ring-changed',
  'error',
] as const);

/** True for the requests a node answers (`get`, `put`, `delete`, `batch`, `ring`): each carries an `id` to reply to. */
export function isClientRequest(message: Message): message is ClientRequest {
  const t = message.type;
  return t === 'get' || t === 'put' || t === 'delete' || t === 'batch' || t === 'ring';
}

/** True for replies to a request (`*-ok`, and `error`, which may or may not carry an `id`). */
export function isNodeReply(message: Message): message is NodeReply {
  const t = message.type;
  return t === 'get-ok' || t === 'put-ok' || t === 'delete-ok' || t === 'batch-ok' || t === 'ring-ok' || t === 'error';
}

/** True for messages a node pushes without a request (`ring-changed`). */
export function isNodePush(message: Message): message is RingChangedMessage {
  return message.type === 'ring-changed';
}
