/**
 * Every bound of the SDK, unit last in the name, with the reason for its
 * default. Options of `connect` override the defaults within the maxima.
 */

/** A request that has no answer after this long fails with `timeout`: a request never hangs. Long enough for a loaded node's p99.9. */
export const requestTimeoutMsDefault = 5_000;

/**
 * Request deadlines are kept on one coarse timer per connection rather than
 * one timer per request (issue 12): a request times out at or after its
 * deadline, at most this much later (plus event-loop lag). Small against
 * any sensible timeout; large enough that one timer firing sweeps a burst.
 */
export const requestDeadlineGranularityMs = 10;

/**
 * Request frames are written into a slab of this size and sent as views of
 * it (request-frame.ts); a full slab is replaced, never overwritten. Big
 * enough for a burst of batch frames, small beside a connection's buffers.
 */
export const requestSlabBytes = 64 * 1024;

/** Opening one socket and its hello must finish within this; a dead seed should not stall failover for long. */
export const connectTimeoutMsDefault = 5_000;

/** Largest timeout accepted for a request or a connect: beyond the protocol's own `timeoutMsMax` a caller has made a mistake. */
export const timeoutMsMax = 600_000;

/**
 * Requests outstanding on one connection before new ones wait in the queue.
 * The node refuses more than its own advertised `inFlightMax` with
 * `too-many-in-flight`; the SDK uses the smaller of the two so it never
 * provokes that error.
 */
export const inFlightMaxDefault = 256;

/** Requests that may wait (disconnected, or over the in-flight bound) before new ones are refused with `too-many-in-flight`: bounds memory when a node is down. */
export const queuedMaxDefault = 10_000;

/** First reconnect delay after a full round of seeds failed; doubles each round. */
export const reconnectBaseMsDefault = 50;

/** Reconnect delays never exceed this, so a node that comes back is found within a few seconds. */
export const reconnectCapMsDefault = 5_000;

/** `update` retries after a new sibling appears; each retry is two round trips more. */
export const updateRetriesDefault = 5;

/**
 * Keys (or entries) one `getMany`/`putMany` call may carry: every op is issued
 * in one tick and waits in the dispatcher's queue (`queuedMaxDefault`, 10,000),
 * so a call stays a tenth of it; DynamoDB's BatchGetItem takes 100, Redis's
 * MGET is unbounded. Split larger sets into several calls.
 */
export const manyOpsMax = 1_000;

/** Beyond this many retries a key is hot enough that retrying only adds load. */
export const updateRetriesMax = 100;

/** Request ids are uint32 on the wire (protocol `requestIdMax`); the SDK wraps around. */
export const requestIdMax = 0xffff_ffff;

/**
 * The ring is fetched again this often as a fallback: membership changes
 * arrive at once as `ring-changed` pushes on the seed connection, so the
 * period only bounds how long a lost push or a liveness change (suspect,
 * down: never pushed) goes unnoticed when no connection breaks.
 */
export const ringRefreshMsDefault = 30_000;

/** Largest `ringRefreshMs`: beyond an hour the client would route on a stale ring for too long. */
export const ringRefreshMsMax = 3_600_000;

/** Pooled connections (one per node) besides the seed connection: enough for any ringkv cluster a client talks to directly; keys owned by nodes beyond it go through the seed connection, which forwards. */
export const poolConnectionsMaxDefault = 64;

/** Largest `poolConnectionsMax`: the protocol's `ringMembersMax`. */
export const poolConnectionsMaxLimit = 1_024;

/**
 * Virtual-node base of the placement rule shared with the nodes (wire.md,
 * "Ring"): a member owns `round(vnodes × weight)` tokens, which hashring
 * builds as weight `vnodes × weight / 64` at 64 vnodes per unit of weight.
 * Changing it would route keys to the wrong replicas.
 */
export const ringVnodesBase = 64;
