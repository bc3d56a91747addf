/**
 * The replica store: one node's sibling sets in the storage engine, with the
 * versioning rules of docs/architecture.md ("Data model").
 *
 * Concurrency model: reads are synchronous (`getSync`) and see every
 * acknowledged write. Writes go through one queue that commits them in
 * batches (group commit): while one batch is in the engine, the next one
 * gathers; when the engine resolves, the next batch is computed by
 * read-modify-write from the engine's state. Within a batch, writes to the
 * same key apply in arrival order to the set the previous one produced.
 *
 * Invariants:
 *   1. Writes to one key are serialised: each update starts from the set the
 *      previous write produced (same batch) or committed (earlier batch), so
 *      two concurrent puts with the same context both survive as siblings.
 *   2. A write is acknowledged (its promise resolves) only after the engine
 *      resolved the batch holding it; a failed batch fails all its writes.
 *   3. At most one batch is in the engine at a time; a batch holds at most
 *      `writeBatchOpsMax` writes, and stops taking writes once its encoded
 *      sets reach `writeBatchBytesMax` (so it stays far below the engine's
 *      128 MiB batch bound: at most that plus one set).
 *   4. A stored set never exceeds `siblingsMax` live siblings,
 *      `contextEntriesMax` actors or `setBytesMax` encoded bytes, so every
 *      set fits in one get reply frame.
 *   5. Deletes are tombstone versions. A key leaves the engine only through
 *      `collect` (the tombstone collector, anti-entropy/tombstones.ts), and
 *      only while its set is still the set the collector judged and is
 *      tombstone-only (expired values counting as tombstones); once
 *      tombstones are tracked (`trackTombstones`), every set write keeps the
 *      tombstone index (tombstone-index.ts: sets of tombstones and values
 *      with deadlines only) in the same batch.
 *   6. Every engine write of the node (sibling sets, hints, metadata) goes
 *      through this one queue (`mutate`), so a hint and a set are each
 *      read-modify-written from the state the previous write left.
 *   7. A write finding the store idle does not start a batch at once: the
 *      batch starts after `gather` (the end of the event-loop turn), so
 *      writes read from many connections in one turn share one engine batch.
 */
import { protocolError, type GetResult, type Key } from '@ringkv/protocol';
import {
  context as contextOf,
  decodeContext,
  empty,
  encodeContext,
  isTombstoneOnlyAt,
  isTombstoneOrExpiringOnly,
  live,
  sync,
  tombstone,
  update,
  type DvvSet,
  type Payload,
  type VClock,
} from '@ringkv/vclock';
import { contextEntriesMax, writeBatchBytesMax, writeBatchOpsMax, writeQueueMax } from '../limits.js';
import type { EngineOp, StorageEngine } from './engine-port.js';
import { keyId, sameBytes, storageKey } from './keys.js';
import { ReplicaReadHold } from './log-loss.js';
import { decodeSet, encodeSet, storedValue, type StoredSet, type StoredValue } from './set-codec.js';
import { encodeMark, tombstoneKey } from './tombstone-index.js';
import { toGetResult } from './get-result.js';

// Kept importable from here (cluster/core.ts reads its results through it).
export { toGetResult };

/** How the store versions and bounds writes. */
export interface StoreConfig {
  /** The vclock actor of this node's writes (the node id). */
  readonly actor: string;
  readonly siblingsMax: number;
  /** Largest encoded set; a write that would exceed it is refused with `value-too-large`. */
  readonly setBytesMax: number;
  readonly durability: 'sync' | 'interval' | 'none';
  /**
   * Runs `start` once the writes issued together with a first write have
   * been queued, so they share its batch (default `setImmediate`: the end of
   * the event-loop turn, after every socket read in it). Starting at once
   * instead committed each write of a 50-client load as its own batch (one
   * WAL write and one engine round trip per put). Tests may pass a
   * synchronous runner.
   */
  readonly gather?: (start: () => void) => void;
}

/**
 * One read-modify-write of one engine key: `load` decodes what is stored
 * (or the batch's pending state), `step` computes the next state, its
 * encoding (`undefined` deletes the key) and the caller's result.
 */
export interface Mutation<S, R> {
  readonly skey: Uint8Array;
  load(stored: Uint8Array | undefined): S;
  step(current: S): { readonly next: S; readonly encoded: Uint8Array | undefined; readonly result: R; readonly also?: readonly EngineOp[] };
}

/** What the store needs to keep the tombstone index: the injected clock and this start's generation. */
export interface TombstoneTracking {
  readonly clock: { now(): number };
  readonly generation: number;
}

/** One queued mutation. */
interface PendingWrite {
  readonly id: string;
  readonly mutation: Mutation<unknown, unknown>;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** A write computed against the current state, ready for the engine. */
interface ComputedWrite {
  readonly write: PendingWrite;
  readonly result: unknown;
  readonly bytes: number;
}

const emptyContext = encodeContext([]);

/** Counters the node reports in /status and /metrics. */
export interface StoreStats {
  batches: number;
  batchedWrites: number;
  queuedWrites: number;
  largestBatch: number;
}

/**
 * Told about every committed engine put or delete, after the batch holding it
 * resolved: the storage key, the bytes stored before the batch and after it
 * (`undefined`: absent). Anti-entropy keeps its Merkle trees with it.
 * Observers run synchronously and must not throw.
 */
export type WriteObserver = (skey: Uint8Array, old: Uint8Array | undefined, next: Uint8Array | undefined) => void;

/**
 * A node's replica store over a storage engine.
 *
 * When to use: one per node; the cluster calls `update` (the coordinator's own
 * write), `syncIn` (a replica apply or a replayed hint) and `readSet`, and the
 * hint store calls `mutate` for its own records.
 * Gotcha: writes reject with a `ProtocolError` for client mistakes (bad
 * context, too many siblings, set too large) and with engine errors for
 * storage failures; `toProtocolError` (failures.ts) maps both.
 */
export class ReplicaStore {
  private queue: PendingWrite[] = [];
  private committing = false;
  private idle: Promise<void> = Promise.resolve();
  private signalIdle: (() => void) | undefined;
  readonly stats: StoreStats = { batches: 0, batchedWrites: 0, queuedWrites: 0, largestBatch: 0 };
  /** Refuses fetches of this replica's copies while writes its log lost are being repaired (log-loss.ts). */
  readonly readHold = new ReplicaReadHold();
  private readonly observers: WriteObserver[] = [];
  private readonly intents: ((skeys: readonly Uint8Array[]) => void)[] = [];
  private tracking: TombstoneTracking | undefined;
  /** The batch being computed or in the engine (counts from 1 per start). */
  private batchSeq = 0;
  private committed = 0;

  private readonly gather: (start: () => void) => void;

  constructor(
    private readonly engine: StorageEngine,
    private readonly config: StoreConfig,
  ) {
    this.gather = config.gather ?? setImmediate;
  }

  /**
   * Every sibling of `key` a read at `nowMs` (this node's clock) returns, and
   * its context; expired values are left out (`toGetResult`). A key never
   * written is not found with the empty context.
   */
  read(key: Key, nowMs: number): GetResult {
    const set = this.readSet(key);
    return set === undefined ? { found: false, siblings: [], context: emptyContext } : toGetResult(set, nowMs);
  }

  /** The stored set of `key`, or `undefined` when it was never written. */
  readSet(key: Key): StoredSet | undefined {
    const stored = this.engine.getSync(storageKey(key));
    return stored === undefined ? undefined : decodeSet(stored);
  }

  /**
   * Writes `value` (or a tombstone when `value` is undefined) superseding what
   * `context` saw; with `expiresAtMs` the value expires then. Resolves with the new context.
   */
  write(key: Key, context: Uint8Array | undefined, value: Uint8Array | undefined, msgpack: boolean, expiresAtMs?: number): Promise<Uint8Array> {
    let clock: VClock;
    try {
      clock = context === undefined || context.length === 0 ? [] : decodeContext(context);
    } catch (error) {
      return Promise.reject(error);
    }
    let payload: Payload<StoredValue>;
    try {
      payload = value === undefined ? tombstone : live(storedValue(value, msgpack), expiresAtMs);
    } catch (error) {
      return Promise.reject(error);
    }
    // Queued in this turn and resolved straight from the batch, so writes issued together share a batch.
    return this.mutateSet(key, (current) => this.updated(current, clock, payload), (set) => encodeContext(contextOf(set)));
  }

  /** vclock `update` of the stored set under this node's actor (quorum's `local.update`); resolves with the stored set. */
  update(key: Key, clock: VClock, payload: Payload<StoredValue>): Promise<StoredSet> {
    return this.mutateSet(key, (current) => this.updated(current, clock, payload), (set) => set);
  }

  private updated(current: StoredSet, clock: VClock, payload: Payload<StoredValue>): StoredSet {
    return update(current, clock, this.config.actor, payload, { siblingsMax: this.config.siblingsMax });
  }

  /**
   * `sync`s a set from another replica (or a replayed hint) into the stored one; resolves once durable.
   * `tombstoneAgeMs`: anti-entropy's word that the sender has held this
   * tombstone-only set that long; a set landing in an empty slot then starts
   * its grace period that far back (README, "Tombstone collection").
   */
  syncIn(key: Key, set: DvvSet<StoredValue>, tombstoneAgeMs?: number): Promise<StoredSet> {
    return this.mutateSet(key, (current) => sync(current, set), (next) => next, tombstoneAgeMs);
  }

  /**
   * Starts keeping the tombstone index (node-core does, before the cluster
   * starts): from now on every set write puts or deletes the key's index
   * record in its own batch (tombstone-index.ts invariant 1).
   */
  trackTombstones(tracking: TombstoneTracking): void {
    this.tracking = tracking;
  }

  /** True once `trackTombstones` was called. */
  get tracksTombstones(): boolean {
    return this.tracking !== undefined;
  }

  /**
   * Adds the index record of `skey` if its set is tombstone-only and has
   * none (a set written before the index existed: the one-time upgrade scan
   * of tombstones.ts); its grace starts now. Resolves true when it added one.
   */
  markIfUnindexed(skey: Uint8Array): Promise<boolean> {
    return this.mutate<StoredSet, boolean>({
      skey,
      load: (stored) => (stored === undefined ? empty<StoredValue>() : decodeSet(stored)),
      step: (current) => {
        const encoded = current.entries.length === 0 ? undefined : encodeSet(current);
        const t = this.tracking;
        if (t === undefined || encoded === undefined || !isTombstoneOrExpiringOnly(current) || this.engine.getSync(tombstoneKey(skey)) !== undefined) {
          return { next: current, encoded, result: false };
        }
        const mark = encodeMark({ sinceMs: t.clock.now(), generation: t.generation, batchSeq: this.batchSeq });
        return { next: current, encoded, result: true, also: [{ type: 'put', key: tombstoneKey(skey), value: mark }] };
      },
    });
  }

  /** The last batch the engine resolved (success or failure), counting from 1 per start; a write of batch k is visible once this is ≥ k. */
  get committedBatchSeq(): number {
    return this.committed;
  }

  /**
   * Removes `skey`'s data record and its index record in one batch, if the
   * stored set is still byte-for-byte `expected` and tombstone-only by the
   * tracking clock (expired values count as tombstones; vclock `isTombstoneOnlyAt`);
   * resolves true when it did. The tree hook sees the key go absent. A key
   * with no data record loses its index record (an orphan mark) and
   * resolves false.
   */
  collect(skey: Uint8Array, expected: Uint8Array): Promise<boolean> {
    return this.mutate<StoredSet, boolean>({
      skey,
      load: (stored) => (stored === undefined ? empty<StoredValue>() : decodeSet(stored)),
      step: (current) => {
        if (current.entries.length === 0) return { next: current, encoded: undefined, result: false, also: [{ type: 'del', key: tombstoneKey(skey) }] };
        const bytes = encodeSet(current);
        if (!isTombstoneOnlyAt(current, this.tracking?.clock.now() ?? 0) || !sameBytes(bytes, expected)) return { next: current, encoded: bytes, result: false };
        return { next: empty<StoredValue>(), encoded: undefined, result: true, also: [{ type: 'del', key: tombstoneKey(skey) }] };
      },
    });
  }

  private mutateSet<R>(key: Key, next: (current: StoredSet) => StoredSet, result: (set: StoredSet) => R, tombstoneAgeMs?: number): Promise<R> {
    const skey = storageKey(key);
    return this.mutate<StoredSet, R>({
      skey,
      load: (stored) => (stored === undefined ? empty<StoredValue>() : decodeSet(stored)),
      step: (current) => {
        const set = next(current);
        const encoded = this.checkedEncoding(set);
        return { next: set, encoded, result: result(set), also: this.indexOps(skey, current, set, encoded, tombstoneAgeMs) };
      },
    });
  }

  /** The index record change of a set write (tombstone-index.ts invariants 1, 2); undefined when nothing changes. */
  private indexOps(skey: Uint8Array, before: StoredSet, after: StoredSet, encoded: Uint8Array, ageMs: number | undefined): EngineOp[] | undefined {
    const t = this.tracking;
    if (t === undefined) return undefined;
    const was = isTombstoneOrExpiringOnly(before);
    if (!isTombstoneOrExpiringOnly(after)) return was ? [{ type: 'del', key: tombstoneKey(skey) }] : undefined;
    if (was && sameBytes(encodeSet(before), encoded)) return undefined;
    const now = t.clock.now();
    const sinceMs = before.entries.length === 0 && ageMs !== undefined ? now - Math.max(0, ageMs) : now;
    return [{ type: 'put', key: tombstoneKey(skey), value: encodeMark({ sinceMs, generation: t.generation, batchSeq: this.batchSeq }) }];
  }

  private checkedEncoding(next: StoredSet): Uint8Array {
    if (next.entries.length > contextEntriesMax) {
      throw protocolError('context-too-large', `the key's context would name ${next.entries.length} actors (at most ${contextEntriesMax})`);
    }
    const encoded = encodeSet(next);
    if (encoded.length > this.config.setBytesMax) {
      throw protocolError(
        'value-too-large',
        `the key's siblings would take ${encoded.length} bytes (at most ${this.config.setBytesMax}); write with the context read to replace them`,
      );
    }
    return encoded;
  }

  /** Queues one read-modify-write; resolves with its result once the engine holds it durably (invariants 1, 2, 6). */
  mutate<S, R>(mutation: Mutation<S, R>): Promise<R> {
    if (this.queue.length >= writeQueueMax) {
      return Promise.reject(protocolError('unavailable', `the node has ${writeQueueMax} writes queued; retry later`));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: keyId(mutation.skey), mutation: mutation as Mutation<unknown, unknown>, resolve: resolve as (r: unknown) => void, reject });
      if (!this.committing) this.startDrain();
    });
  }

  /** Writes waiting for the engine (the current batch excluded). */
  queuedWrites(): number {
    return this.queue.length;
  }

  /** Resolves once every queued write has been committed or failed (for a graceful stop). */
  settled(): Promise<void> {
    return this.committing ? this.idle : Promise.resolve();
  }

  /** Marks the store committing (so `settled` waits) and drains once the writes issued with this one are queued. */
  private startDrain(): void {
    this.committing = true;
    this.idle = new Promise<void>((resolve) => (this.signalIdle = resolve));
    this.gather(this.drainNow);
  }

  private readonly drainNow = (): void => void this.drain();

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commit(this.takeBatch());
    } finally {
      this.committing = false;
      this.signalIdle?.();
    }
  }

  private takeBatch(): PendingWrite[] {
    const n = Math.min(this.queue.length, writeBatchOpsMax);
    const batch = n === this.queue.length ? this.queue : this.queue.slice(0, n);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
    return batch;
  }

  private async commit(batch: PendingWrite[]): Promise<void> {
    const seq = ++this.batchSeq;
    const states = new Map<string, unknown>();
    const ops = new Map<string, EngineOp>();
    // The stored bytes each key's first write of the batch read: the observers' `before`, without a second lookup.
    const stored = this.observers.length === 0 ? undefined : new Map<string, Uint8Array | undefined>();
    const done: ComputedWrite[] = [];
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      if (bytes >= writeBatchBytesMax) {
        // The rest go first in the next batch, computed from this one's result.
        this.queue = batch.slice(i).concat(this.queue);
        break;
      }
      const computed = this.apply(batch[i] as PendingWrite, states, ops, stored);
      if (computed === undefined) continue;
      done.push(computed);
      bytes += computed.bytes;
    }
    if (done.length === 0) {
      this.committed = seq;
      return;
    }
    this.stats.batches++;
    this.stats.batchedWrites += done.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, done.length);
    // Only with observers: the state before the batch, read before the engine applies it.
    const before = stored === undefined ? undefined : [...ops].map(([id, op]) => (stored.has(id) ? stored.get(id) : this.engine.getSync(op.key)));
    if (before !== undefined) for (const intent of this.intents) intent([...ops.values()].map((op) => op.key));
    try {
      await this.engine.batch([...ops.values()], { durability: this.config.durability });
    } catch (error) {
      // Observers told of the intent learn the batch settled: each key stays at its `before`.
      if (before !== undefined) this.notifyUnchanged([...ops.values()], before);
      this.committed = seq;
      for (const c of done) c.write.reject(error);
      return;
    }
    if (before !== undefined) this.notify([...ops.values()], before);
    // Before any write resolves: whoever learns of this batch's writes sees it counted (tombstone ledger).
    this.committed = seq;
    for (const c of done) c.write.resolve(c.result);
  }

  /** Adds a write observer (anti-entropy's tree hook); called after every committed batch. */
  observe(observer: WriteObserver): void {
    this.observers.push(observer);
  }

  /**
   * Adds an intent observer: called with the storage keys of a batch right
   * after their `before` states are read and before the engine applies it
   * (only when write observers exist). Every intent is followed by one
   * write-observer call per key: (before, after) on success, (before, before)
   * on failure. The tree build uses it to know which keys are in flight.
   */
  observeIntent(intent: (skeys: readonly Uint8Array[]) => void): void {
    this.intents.push(intent);
  }

  private notifyUnchanged(ops: readonly EngineOp[], before: readonly (Uint8Array | undefined)[]): void {
    for (let i = 0; i < ops.length; i++) for (const observer of this.observers) observer((ops[i] as EngineOp).key, before[i], before[i]);
  }

  private notify(ops: readonly EngineOp[], before: readonly (Uint8Array | undefined)[]): void {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as EngineOp;
      for (const observer of this.observers) observer(op.key, before[i], op.type === 'put' ? op.value : undefined);
    }
  }

  /** Read-modify-write of one key inside a batch; a refused write is rejected here and left out of the batch. */
  private apply(
    write: PendingWrite,
    states: Map<string, unknown>,
    ops: Map<string, EngineOp>,
    stored: Map<string, Uint8Array | undefined> | undefined,
  ): ComputedWrite | undefined {
    try {
      const { mutation } = write;
      let current: unknown;
      if (states.has(write.id)) current = states.get(write.id);
      else {
        const bytes = this.engine.getSync(mutation.skey);
        // Only the first read of a key in a batch is its state before the batch.
        if (stored !== undefined && !stored.has(write.id)) stored.set(write.id, bytes);
        current = mutation.load(bytes);
      }
      const { next, encoded, result, also } = mutation.step(current);
      states.set(write.id, next);
      ops.set(write.id, encoded === undefined ? { type: 'del', key: mutation.skey } : { type: 'put', key: mutation.skey, value: encoded });
      // Side records (the tombstone index) ride in the same batch; a later write of the same key in the batch replaces them.
      for (const op of also ?? []) ops.set(keyId(op.key), op);
      return { write, result, bytes: (encoded?.length ?? 0) + mutation.skey.length };
    } catch (error) {
      write.reject(error);
      return undefined;
    }
  }
}
