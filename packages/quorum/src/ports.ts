/**
 * The seams @ringkv/quorum runs on. The coordinator never reads the system
 * clock, never sets a timer of its own, never opens a socket or a file: the
 * node passes real implementations, tests pass `@ringkv/sim`'s `SimClock` and a
 * simulated transport, which satisfy these shapes structurally.
 */
import type { HashRing } from '@ringkv/hashring';
import type { DvvSet, Payload, VClock } from '@ringkv/vclock';

/** A key as hashring hashes it: a UTF-8 string or bytes. */
export type Key = string | Uint8Array;

/** Time in milliseconds and one-shot timers (the shape of gossip's and sim's clocks). */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are used (and hint store times). */
  now(): number;
  /** Runs `fn` once after `delayMs`; returns a handle for `clearTimer`. */
  setTimer(delayMs: number, fn: () => void): unknown;
  /** Cancels a timer; must tolerate a handle that already fired. */
  clearTimer(handle: unknown): void;
}

/**
 * The coordinator's own replica, for the write it coordinates.
 *
 * `update` applies vclock's `update(set, context, nodeId, payload)` to the
 * node's stored set for `key` under a per-key lock (so two concurrent writes
 * with the same context both survive), stores the result durably, and resolves
 * with it. A rejection means the write did not happen (e.g. vclock's
 * `too-many-siblings`); it is passed to the caller unchanged.
 */
export interface LocalReplica<V> {
  update(key: Key, context: VClock, payload: Payload<V>): Promise<DvvSet<V>>;
}

/** Options of one replica call. */
export interface ReplicaCallOptions {
  /** Set when `node` is a stand-in: store (or read) the set as a hint for this primary, not as data. */
  readonly hintFor?: string;
  /** The request's deadline on the coordinator's clock; the transport may drop the call after it. */
  readonly deadlineMs: number;
  /**
   * With `hintFor`: when the write began on the coordinator's clock. The
   * stand-in stamps its hint no later than this, so a hint's TTL never runs
   * past the write's age however late the apply arrives (a later delete's
   * tombstone, kept at least the hint TTL, outlives every hint of the write).
   */
  readonly hintStampMs?: number;
}

/**
 * Replica calls over the node's peer transport (node-server implements it; the
 * call to the coordinator itself may short-circuit locally).
 *
 * - `apply`: the replica `sync`s `set` into its own set for `key` (or into its
 *   hint for `hintFor`) durably, then resolves (an ack). Rejects when the replica
 *   refused or is unreachable.
 * - `fetch`: the replica's set for `key` (with `hintFor`: the hint it holds for
 *   that primary), `undefined` when it has none. Rejects on failure.
 *
 * Gotcha: the coordinator races every call against its own deadline timer, so
 * a promise that never settles cannot hang a request, but it does hold memory:
 * implementations should settle by `deadlineMs`.
 */
export interface ReplicaClient<V> {
  apply(node: string, key: Key, set: DvvSet<V>, options: ReplicaCallOptions): Promise<void>;
  fetch(node: string, key: Key, options: ReplicaCallOptions): Promise<DvvSet<V> | undefined>;
}

/** One stored hint: the set to hand to `target` for `key`, and when it was (last) stored. */
export interface StoredHint<V> {
  readonly target: string;
  readonly key: Key;
  readonly set: DvvSet<V>;
  /** Clock time of the latest `put` merged into this hint; the TTL runs from it. */
  readonly storedAtMs: number;
}

/**
 * Durable hint storage (node-server implements it over the storage engine's
 * `h ‖ target ‖ ring hash ‖ key` prefix; `MemoryHintStore` is the test one).
 *
 * - `put`: store `set` for (target, key), `sync`ing it into an existing hint
 *   for the same pair; `storedAtMs` becomes the newer of the two. Durable on resolve.
 * - `list`: up to `limit` hints of `target` in the store's key order, starting
 *   after `after` (a key a previous `list` returned) when given.
 * - `delete`: remove the hint of (target, key) **only if** its set is still
 *   `sent` (equal contexts) when given, so a hint that grew while it was being
 *   replayed keeps the new part; resolves true when removed.
 * - `targets`: the targets with at least one hint. `count`: all hints.
 */
export interface HintStore<V> {
  put(target: string, key: Key, set: DvvSet<V>, storedAtMs: number): Promise<void>;
  list(target: string, limit: number, after?: Key): Promise<readonly StoredHint<V>[]>;
  delete(target: string, key: Key, sent?: DvvSet<V>): Promise<boolean>;
  targets(): Promise<readonly string[]>;
  count(): Promise<number>;
}

/** The current ring (hashring rings are immutable: a request keeps the one it started with). */
export type RingProvider = () => HashRing;

/** The nodes the local failure detector (gossip) considers down right now. */
export type DownProvider = () => ReadonlySet<string>;
