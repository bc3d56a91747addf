/**
 * Tombstone collection: removing a deleted key for good without letting a
 * replica that missed the delete bring its value back (README, "Tombstone
 * collection"; docs/architecture.md, "Data model", tombstones).
 *
 * The rule. A key whose stored set holds only tombstones is removed from the
 * engine (data record and index record in one batch; its Merkle leaf through
 * the write hook) only when
 *   (a) grace: the set has been tombstone-only on this node, unchanged, for
 *       at least `graceMs` by the injected clock (`now - sinceMs`; a clock
 *       that jumped back makes the age smaller, never larger; a set that
 *       anti-entropy delivered into an empty slot counts the age its sender
 *       reported, exchange.ts invariant 4), and
 *   (b) replicas: for every other node of the key's current preference list,
 *       this node *drove* an anti-entropy exchange of the key's replica-set
 *       tree with that node which completed and started after the batch
 *       holding the tombstone was committed here (the ledger; a batch of an
 *       earlier start of this node precedes every exchange of this start).
 *   (c) expiry: the set reads as tombstone-only now by this node's clock:
 *       every version is a tombstone or a value past its deadline (vclock
 *       expiry.ts). The index holds every set of tombstones and values with
 *       deadlines (an expiring set is indexed when written, so its grace
 *       runs from that write, not from the deadline); one with a value not
 *       yet expired stays 'grace'.
 * After (b) every other replica held this tombstone set or a newer one
 * (exchange invariant 3), so none of them can give the deleted value back.
 * An expired value is the tombstone of its own dot: a replica that still
 * holds it holds the same deadline (a dot names one payload), so syncing it
 * back makes a set that is again tombstone-only here and is collected
 * again; and by (b) no replica holds a version older than the set, which
 * is what a collected context could otherwise let back in.
 *
 * The ledger lives in memory: a restart forgets it and collection waits for
 * fresh exchanges (conservative). A ring change clears it: the key's replica
 * set may be new, and an exchange that straddled the change is not counted.
 *
 * Concurrency model: one sweep at a time, over the `t` index in chunks of
 * `tombstoneSweepChunkKeys` with a clock turn between chunks; removals go
 * through the replica store's write queue and are re-checked there
 * (`ReplicaStore.collect`: only if the set is still the one judged).
 *
 * Invariants:
 *   1. Nothing is removed before (a) and (b) hold for the exact set removed.
 *   2. A node whose ring holds only itself while N > 1 collects nothing: it
 *      has not learned its peers yet (a restart before gossip converged).
 *   3. Counters: `collected` only grows; `pending` and `blocked` describe the
 *      index as the last finished sweep saw it.
 */
import type { Clock } from '@ringkv/quorum';
import { isTombstoneOnlyAt, isTombstoneOrExpiringOnly } from '@ringkv/vclock';
import { metaKey } from '../cluster/meta.js';
import { dataPrefix } from '../store/keys.js';
import { decodeSet } from '../store/set-codec.js';
import type { StorageEngine } from '../store/engine-port.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { dataKeyOf, decodeMark, tombstoneBounds, tombstoneKey, type TombstoneMark } from '../store/tombstone-index.js';
import { tombstoneSweepChunkKeys } from './limits.js';

const noSet = new Uint8Array(0);
const dataStart = Uint8Array.of(dataPrefix);
const dataEnd = Uint8Array.of(dataPrefix + 1);
/** `m‖tombstone-index`: present once the data directory's tombstones are all indexed (MessagePack `true`). */
const indexedFlagKey = metaKey('tombstone-index');
const indexedFlag = Uint8Array.of(0xc3);

/** Which (replica set, peer) exchanges this node drove to completion, and from which store batch (module comment). */
export class ExchangeLedger {
  private readonly done = new Map<string, number>();
  private epochNow = 0;

  constructor(private readonly generation: number) {}

  /** Changes on every `reset`: an exchange started in another epoch is not recorded. */
  get epoch(): number {
    return this.epochNow;
  }

  /** Forgets everything (a ring change). */
  reset(): void {
    this.done.clear();
    this.epochNow++;
  }

  /** Records a completed exchange of `group` with `peer` that started when the store had committed batch `startSeq`. */
  record(group: string, peer: string, startSeq: number, epoch: number): void {
    if (epoch !== this.epochNow) return;
    const id = `${group}|${peer}`;
    this.done.set(id, Math.max(startSeq, this.done.get(id) ?? 0));
  }

  /** True when a recorded exchange with `peer` over `group` started after the batch of `mark` was committed. */
  covers(group: string, peer: string, mark: TombstoneMark): boolean {
    const seq = this.done.get(`${group}|${peer}`);
    if (seq === undefined || mark.generation > this.generation) return false;
    return mark.generation < this.generation || seq >= mark.batchSeq;
  }
}

/** What the collector needs of the node. */
export interface TombstoneCollectorOptions {
  readonly selfId: string;
  /** Replicas keys have now: with more than one, a node alone on its ring cannot confirm the others (it may have restarted alone). */
  readonly n: () => number;
  readonly graceMs: number;
  readonly clock: Clock;
  readonly engine: Pick<StorageEngine, 'iterate' | 'getSync'>;
  readonly store: Pick<ReplicaStore, 'collect' | 'markIfUnindexed' | 'mutate'>;
  readonly ledger: ExchangeLedger;
  /** The replica-set name of a data key under the current ring, or undefined when this node is not a replica. */
  readonly groupOf: (skey: Uint8Array) => string | undefined;
  /** Members on the ring now (invariant 2). */
  readonly ringSize: () => number;
  /** Index records read per chunk (default `tombstoneSweepChunkKeys`). */
  readonly chunkKeys?: number;
}

/** Counters for /status `tombstones` and /metrics `ringkv_tombstones_*`. */
export interface TombstoneStats {
  /** Tombstone-only keys the last sweep left in place (within grace or blocked). */
  pending: number;
  /** Keys removed since the node started. */
  collected: number;
  /** Of `pending`: past grace, but some replica has not completed an exchange since (or the node is not a replica now). */
  blocked: number;
  sweeps: number;
  lastSweepAtMs: number | undefined;
}

/** What one sweep did. */
export interface SweepSummary {
  readonly scanned: number;
  readonly collected: number;
  readonly pending: number;
  readonly blocked: number;
}

/** Where a tombstone stands. */
export type TombstoneVerdict = 'grace' | 'blocked' | 'collectable';

/** The tombstone collector of a node (module comment). */
export class TombstoneCollector {
  readonly stats: TombstoneStats = { pending: 0, collected: 0, blocked: 0, sweeps: 0, lastSweepAtMs: undefined };
  private running: Promise<SweepSummary> | undefined;
  private stopped = false;

  constructor(private readonly o: TombstoneCollectorOptions) {}

  /** The index mark of a data key, if it is indexed. */
  markOf(skey: Uint8Array): TombstoneMark | undefined {
    const stored = this.o.engine.getSync(tombstoneKey(skey));
    return stored === undefined ? undefined : decodeMark(stored);
  }

  /** How long this node has held the tombstone-only set of `skey` (0 after a backwards clock jump), if it is indexed. */
  ageMs(skey: Uint8Array): number | undefined {
    const mark = this.markOf(skey);
    return mark === undefined ? undefined : Math.max(0, this.o.clock.now() - mark.sinceMs);
  }

  /**
   * Where the tombstone of `skey` stands (rules (a), (b) and (c)); 'grace'
   * when it is not indexed, and while some value of the set has not expired
   * by this node's clock (rule (c)). `stored`: the set's bytes, if already read.
   */
  verdict(skey: Uint8Array, mark = this.markOf(skey), stored?: Uint8Array): TombstoneVerdict {
    const now = this.o.clock.now();
    if (mark === undefined || now - mark.sinceMs < this.o.graceMs || !this.deadAt(stored ?? this.o.engine.getSync(skey), now)) return 'grace';
    const group = this.o.groupOf(skey);
    if (group === undefined || (this.o.n() > 1 && this.o.ringSize() < 2)) return 'blocked';
    for (const peer of group.split(',')) if (peer !== this.o.selfId && !this.o.ledger.covers(group, peer, mark)) return 'blocked';
    return 'collectable';
  }

  /** Rule (c): the stored set reads as tombstone-only at `now` (expired values count as tombstones); false for a corrupt or absent one. */
  private deadAt(stored: Uint8Array | undefined, now: number): boolean {
    if (stored === undefined) return false;
    try {
      return isTombstoneOnlyAt(decodeSet(stored), now);
    } catch {
      return false; // A corrupt set is reported where it is read, never collected.
    }
  }

  /** True when the tombstone of `skey` may be removed now. */
  collectable(skey: Uint8Array): boolean {
    return this.verdict(skey) === 'collectable';
  }

  /** Runs one sweep over the index now (or joins the running one). */
  sweep(yieldTurn: () => Promise<void>): Promise<SweepSummary> {
    this.running ??= this.runSweep(yieldTurn).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * The one-time upgrade of a data directory written before the index
   * existed: scans the `d` prefix in chunks, adds a mark (grace from now)
   * to every tombstone-only set without one, then stores the meta record
   * `m‖tombstone-index` so later starts skip it. Resolves with the marks added.
   */
  async indexExisting(yieldTurn: () => Promise<void>): Promise<number> {
    if (this.o.engine.getSync(indexedFlagKey) !== undefined) return 0;
    const chunkKeys = this.o.chunkKeys ?? tombstoneSweepChunkKeys;
    let added = 0;
    let after: Uint8Array | undefined;
    while (!this.stopped) {
      const bounds = after === undefined ? { gte: dataStart, lt: dataEnd, limit: chunkKeys } : { gt: after, lt: dataEnd, limit: chunkKeys };
      const marks: Promise<boolean>[] = [];
      let n = 0;
      for (const [skey, value] of this.o.engine.iterate(bounds)) {
        n++;
        after = skey.slice();
        if (this.unindexedTombstone(after, value)) marks.push(this.o.store.markIfUnindexed(after));
      }
      added += (await Promise.all(marks)).filter(Boolean).length;
      if (n < chunkKeys) {
        await this.o.store.mutate<undefined, void>({ skey: indexedFlagKey, load: () => undefined, step: () => ({ next: undefined, encoded: indexedFlag, result: undefined }) });
        break;
      }
      await yieldTurn();
    }
    return added;
  }

  private unindexedTombstone(skey: Uint8Array, value: Uint8Array): boolean {
    try {
      return isTombstoneOrExpiringOnly(decodeSet(value)) && this.o.engine.getSync(tombstoneKey(skey)) === undefined;
    } catch {
      return false; // A corrupt set is reported where it is read, never collected.
    }
  }

  /** Stops at the next chunk (the engine is about to close). */
  stop(): void {
    this.stopped = true;
  }

  private async runSweep(yieldTurn: () => Promise<void>): Promise<SweepSummary> {
    const chunkKeys = this.o.chunkKeys ?? tombstoneSweepChunkKeys;
    const total = { scanned: 0, collected: 0, pending: 0, blocked: 0 };
    let after: Uint8Array | undefined;
    while (!this.stopped) {
      const bounds = after === undefined ? { ...tombstoneBounds, limit: chunkKeys } : { gt: after, lt: tombstoneBounds.lt, limit: chunkKeys };
      const chunk: [Uint8Array, Uint8Array][] = [];
      for (const [key, value] of this.o.engine.iterate(bounds)) chunk.push([key.slice(), value]);
      await this.sweepChunk(chunk, total);
      if (chunk.length < chunkKeys) break;
      after = (chunk[chunk.length - 1] as [Uint8Array, Uint8Array])[0];
      await yieldTurn();
    }
    this.stats.pending = total.pending;
    this.stats.blocked = total.blocked;
    this.stats.sweeps++;
    this.stats.lastSweepAtMs = this.o.clock.now();
    return total;
  }

  private async sweepChunk(chunk: readonly [Uint8Array, Uint8Array][], total: { scanned: number; collected: number; pending: number; blocked: number }): Promise<void> {
    const removals: Promise<boolean>[] = [];
    const orphans: Promise<boolean>[] = [];
    for (const [ikey, value] of chunk) {
      total.scanned++;
      const skey = dataKeyOf(ikey);
      const set = this.o.engine.getSync(skey);
      // A mark whose data record is gone (removed by range cleanup after a ring change): drop the mark.
      if (set === undefined) orphans.push(this.o.store.collect(skey, noSet).catch(() => false));
      else {
        const verdict = this.verdict(skey, decodeMark(value), set);
        if (verdict === 'collectable') removals.push(this.o.store.collect(skey, set).catch(() => false));
        else if (verdict === 'blocked') total.blocked++;
      }
    }
    const removed = (await Promise.all(removals)).filter(Boolean).length;
    await Promise.all(orphans);
    total.collected += removed;
    this.stats.collected += removed;
    total.pending += chunk.length - orphans.length - removed;
  }
}
