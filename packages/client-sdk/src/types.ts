/**
 * The public shapes of results and options. Values are typed by the caller
 * (`get<T>`, `namespace<T>`); the SDK does not check them at run time unless
 * a namespace codec does.
 */

import type { ConsistencyLevel, Key, RingMember, WireReceipt, WireReceiptReplica } from '@ringkv/protocol';

export type { RingMember };
import type { Clock, Random, WebSocketFactory } from './ports.js';

/** A key: a UTF-8 string or bytes, at most 1 KiB encoded. */
export type { Key };

/** A replica count for `r`/`w`: 1…N, or `'one'`, `'quorum'` (⌊N/2⌋+1), `'all'` (N). */
export type Consistency = ConsistencyLevel;

/**
 * What the coordinator did for one request, replica by replica: returned
 * only when the request asked for it (`receipt: true`). `coordinator` is the
 * node that ran the quorum; `forwarded` is true when the node the client
 * reached was not a replica and passed the request on (token-aware routing
 * makes this rare). Writes list `localHints`, reads `readRepair` and
 * `siblingsReconciled`.
 */
export type Receipt = WireReceipt;
/** One replica of a receipt: its role (`primary`, or `fallback` holding a hint `hintFor` a down primary), outcome and latency. */
export type ReceiptReplica = WireReceiptReplica;

/** The cluster's ring as a node reported it (`client.ring()`). */
export interface RingInfo {
  /** The placement fingerprint: equal on every node that sees the same members. */
  readonly version: number;
  /** The cluster's replica count N. */
  readonly n: number;
  /** Every member with its URL, placement fields and status as the answering node judges it, sorted by id. */
  readonly members: ReadonlyArray<RingMember>;
}

/** How the client picks the node for a request. */
export type Routing = 'token-aware' | 'any';

/**
 * The opaque causal context of a key, as the node returned it. Pass it back
 * unchanged to the next `put`/`delete` of the same key so the write
 * supersedes what was read.
 */
export type Context = Uint8Array;

/** One version of a key: a value, or a tombstone left by a delete. */
export type Sibling<T> = { readonly tombstone: false; readonly value: T } | { readonly tombstone: true };

/** What `get` returns. */
export interface GetResult<T> {
  /** True when at least one sibling is a value. */
  readonly found: boolean;
  /** The values of every live sibling (tombstones left out), in the node's order; several means concurrent writes. */
  readonly values: T[];
  /** Every sibling, tombstones included. */
  readonly siblings: ReadonlyArray<Sibling<T>>;
  /** Pass to the next put/delete of this key (also when not found: it supersedes tombstones). */
  readonly context: Context;
  /** The coordinator's receipt, present only when the request asked for it (`receipt: true`) and the node sent one. */
  readonly receipt?: Receipt;
}

/** What `put` and `delete` return. */
export interface WriteResult {
  /** The key's context after this write. */
  readonly context: Context;
  /** The coordinator's receipt, present only when the request asked for it (`receipt: true`) and the node sent one. */
  readonly receipt?: Receipt;
}

/** What `update` returns. */
export interface UpdateResult<T> {
  /** The value written. */
  readonly value: T;
  /** The key's context after the write. */
  readonly context: Context;
  /** Read-resolve-write rounds used (1 when no new sibling appeared). */
  readonly attempts: number;
}

/** Options every request takes. */
export interface RequestOpts {
  /**
   * Fail with `timeout` after this many ms (default: the client's
   * `requestTimeoutMs`). When given, the node is told too, so its
   * coordinator gives up at the same time.
   */
  readonly timeoutMs?: number;
  /** Read replies to wait for (default: the cluster's R). Must be ≤ N, else the node refuses with `invalid-message`. */
  readonly r?: Consistency;
  /** Write acknowledgements to wait for (default: the cluster's W). */
  readonly w?: Consistency;
  /** Return the coordinator's receipt with the result (default false: receipts cost bytes on every reply). */
  readonly receipt?: boolean;
}

/** Options of `put` and `delete`. */
export interface WriteOpts extends RequestOpts {
  /** The context from the `get` this write is based on; absent means "blind write" (it becomes a sibling of whatever is there). */
  readonly context?: Context;
  /**
   * Write only if nothing was written since the read that gave `context`
   * (required with it): refused with `condition-failed` when the replicas the
   * coordinator reads hold a version `context` does not cover. Not
   * linearizable (README, "Conditional writes").
   */
  readonly ifMatch?: boolean;
}

/** Options of `put`. */
export interface PutOpts extends WriteOpts {
  /** Expire the value this many ms after the coordinator accepts it (integer, 1 … 315,360,000,000 = 10 years); by each node's clock (README, "Expiry"). */
  readonly ttl?: number;
  /** Write only if the key holds no value (tombstones and expired values count as absent); refused with `condition-failed` otherwise. Not with `ifMatch`. */
  readonly ifAbsent?: boolean;
}

/** One key's outcome in `getMany`/`putMany`: its result, or its own error (other keys are unaffected). */
export type ManyOutcome<R> = { readonly ok: true; readonly key: Key; readonly result: R } | { readonly ok: false; readonly key: Key; readonly error: RingkvErrorLike };

/** The error of a failed key in a `getMany`/`putMany` outcome: a `RingkvError` (`code`, `indeterminate`, `retryable`). */
export interface RingkvErrorLike extends Error {
  readonly code: string;
  readonly indeterminate: boolean;
  readonly retryable: boolean;
}

/** One write of `putMany`: a put (`value`), or a delete (`delete: true`); `context` as for `put`/`delete`. */
export type ManyWrite =
  | { readonly key: Key; readonly value: unknown; readonly context?: Context }
  | { readonly key: Key; readonly delete: true; readonly context?: Context };

/** Options of `update`. */
export interface UpdateOpts extends RequestOpts {
  /** Extra rounds after a new sibling appeared (default `updateRetriesDefault`, at most `updateRetriesMax`). */
  readonly retries?: number;
}

/** Options of `connect`. Every field is optional. */
export interface ClientOptions {
  /** Default per-request timeout (default 5,000 ms). */
  readonly requestTimeoutMs?: number;
  /** Bound on opening one socket and its hello (default 5,000 ms). */
  readonly connectTimeoutMs?: number;
  /** Requests in flight on the connection before new ones queue (default 256; never above the node's advertised bound). */
  readonly inFlightMax?: number;
  /** Requests allowed to wait in the queue before new ones fail with `too-many-in-flight` (default 10,000). */
  readonly queuedMax?: number;
  /** First reconnect delay after every seed failed (default 50 ms), doubled per round up to `reconnectCapMs` (default 5,000 ms), with jitter. */
  readonly reconnectBaseMs?: number;
  readonly reconnectCapMs?: number;
  /**
   * Requests made in the same tick go out as one `batch` frame (default
   * true): fewer frames and system calls under load, same results and
   * errors per request. False sends one frame per request.
   */
  readonly batching?: boolean;
  /** Sent in hello; nodes with an auth token refuse clients without it (`unauthorized`). */
  readonly authToken?: string;
  /** Sent in hello, shows up in the node's logs. */
  readonly clientName?: string;
  /** Largest value accepted either way (default the protocol's 1 MiB); match the node's `valueBytesMax`. */
  readonly valueBytesMax?: number;
  /**
   * `'token-aware'` (default): learn the ring from the node, send each
   * request straight to a healthy replica of its key (a pooled connection
   * per node), fall back to the seed connection (which forwards) while none
   * is connected. `'any'`: every request goes over the one seed connection.
   */
  readonly routing?: Routing;
  /**
   * Fallback period of ring fetches (default 30,000 ms). Membership changes
   * arrive at once as `ring-changed` pushes on the seed connection; the ring
   * is also fetched when a pooled connection is lost, the seed reconnects or
   * a receipt says forwarded. Lower it only to notice liveness changes
   * (suspect, down), which are never pushed, sooner.
   */
  readonly ringRefreshMs?: number;
  /** Most pooled connections to nodes, besides the seed connection (default 64); keys of nodes beyond it go through the seed connection. */
  readonly poolConnectionsMax?: number;
  /**
   * `'websocket'` (default, and the only one in browsers) or `'tcp'` (Node):
   * the raw TCP transport, the same messages length-prefixed on the node's
   * same port, cheaper for both sides. A `tcp://` seed selects it too.
   */
  readonly transport?: 'websocket' | 'tcp';
  /** Seams for tests: time, jitter, and the WebSocket implementation (default: global `WebSocket`, else `ws`). */
  readonly clock?: Clock;
  readonly random?: Random;
  readonly webSocket?: WebSocketFactory;
}

/** Converts a namespace's values to and from what is stored (any MessagePack value or bytes). */
export interface NamespaceCodec<T> {
  encode(value: T): unknown;
  /** Called on every stored value read; may throw to reject data that is not a `T` (the get fails with `invalid-message`). */
  decode(stored: unknown): T;
}

/** Options of `client.namespace`. */
export interface NamespaceOptions<T> {
  /** Merges siblings into one value: used by `get` (`value`) and `update`. Must be deterministic, commutative and associative to converge. */
  readonly resolve?: (siblings: T[]) => T;
  readonly codec?: NamespaceCodec<T>;
}

/** What a namespace's `get` returns: the siblings and, when they resolve, one `value`. */
export interface NamespaceGetResult<T> extends GetResult<T> {
  /** The single value, or the resolver's merge of several; `undefined` when not found or when siblings exist and there is no resolver. */
  readonly value: T | undefined;
}
