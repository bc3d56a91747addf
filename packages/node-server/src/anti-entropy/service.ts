/**
 * The anti-entropy service of a node: owns the trees, serves the peer side
 * of the exchange, runs passes (periodic, jittered, and on demand), throttles
 * them and keeps their counters for /status and /metrics.
 *
 * A pass: for every group (replica set) this node belongs to, for every other
 * live member of it, one exchange (exchange.ts). Passes never overlap: a pass
 * asked for while one runs gets that pass's result.
 *
 * Invariants:
 *   1. At most one pass, hence one exchange and one outstanding call, at a
 *      time on the driving side; the serving side answers each call from
 *      in-memory trees or one bounded scan (`bytesMax`).
 *   2. Repair traffic stays within `bytesPerSecond` on average (token bucket
 *      on the injected clock).
 *   3. A failed exchange (peer down, timeout) is counted and skipped; the
 *      next pass retries it. It never fails the node.
 *   4. Every exchange waits for the trees to be built (start-up, or the
 *      chunked rebuild a ring change starts at once), and only an exchange
 *      that completed within one ring epoch enters the tombstone ledger,
 *      with the store batch committed when it started (tombstones.ts).
 *   5. A tombstone sweep follows every pass and runs every
 *      `tombstoneSweepIntervalMs(graceMs)` besides.
 *   6. An exchange rests between its windows and calls (exchange.ts
 *      invariant 4) so that it is busy at most `aeBusyShareMax` of wall
 *      time: bytes per second alone do not bound the CPU a pass takes from
 *      requests (a pass moving 1 MB/s was CPU-bound).
 */
import { replicationTotal } from '../cluster/placement-options.js';
import type { Replication } from '@ringkv/hashring';
import type { HashRing } from '@ringkv/hashring';
import { MerkleTree, versionDigest } from '@ringkv/merkle';
import { storageKey } from '../store/keys.js';
import { protocolError, type KeySetsMessage, type PeerMessage, type RangeSetsMessage, type SyncSetsMessage, type TreeNodesMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import type { StorageEngine } from '../store/engine-port.js';
import type { ReplicaStore } from '../store/replica-store.js';
import type { StoredSet } from '../store/set-codec.js';
import { decodeEntries, decodePairs, encodeEntries, type SetEntry } from './entries.js';
import { emptyResult, exchange, fromU32s, inWindows, type ExchangeCall, type ExchangeResult } from './exchange.js';
import {
  aeBucketsLog2Default,
  aeBuildChunkKeysDefault,
  aeBusyShareMax,
  aeBytesPerSecondDefault,
  aeCallTimeoutMs,
  aeIntervalMsDefault,
  aePaceRestMsMax,
  aeServeKeysPerCall,
  tombstoneGraceMsDefault,
  tombstoneSweepIntervalMs,
} from './limits.js';
import { ExchangeLedger, TombstoneCollector, type SweepSummary } from './tombstones.js';
import { ReplicaTrees, type BuildProgress } from './trees.js';

/** How a node's anti-entropy runs. */
export interface AntiEntropyOptions {
  readonly selfId: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  /** Replicas keys have now (the cluster core's `effectiveN`, ≤ n): a lone first node with N=3 may still collect tombstones (default: n). */
  readonly effectiveN?: () => number;
  readonly ring: () => HashRing;
  /** Nodes gossip considers down: skipped by a pass. */
  readonly down: () => ReadonlySet<string>;
  readonly addressOf: (id: string) => string | undefined;
  readonly engine: Pick<StorageEngine, 'iterate' | 'getSync'>;
  readonly store: Pick<ReplicaStore, 'syncIn' | 'collect' | 'committedBatchSeq' | 'markIfUnindexed' | 'mutate' | 'tracksTombstones'>;
  readonly call: (address: string, body: ExchangeCall, timeoutMs: number) => Promise<PeerMessage>;
  readonly clock: Clock;
  readonly random: { next(): number };
  /** Periodic pass interval (±25 % jitter); 0 disables periodic passes. Default `aeIntervalMsDefault`. */
  readonly intervalMs?: number;
  readonly bytesPerSecond?: number;
  readonly bucketsLog2?: number;
  /** Keys a tree build (start-up or ring change) scans per event-loop turn (default `aeBuildChunkKeysDefault`). */
  readonly buildChunkKeys?: number;
  /** Tombstone grace period (default `tombstoneGraceMsDefault`, 10 days). */
  readonly tombstoneGraceMs?: number;
  /** This start's gossip generation: the store's tombstone marks name it (default 0). */
  readonly generation?: number;
  /** Index records a tombstone sweep judges per turn (default `tombstoneSweepChunkKeys`). */
  readonly sweepChunkKeys?: number;
  /** Largest share of wall time an exchange is busy (invariant 6; default `aeBusyShareMax`); 1 turns the pacing and these turns off (tests on a clock whose timers they fire by hand). */
  readonly busyShareMax?: number;
}

/** Counters since start (/status `antiEntropy`, /metrics `ringkv_ae_*`). */
export interface AntiEntropyStats extends ExchangeResult {
  passes: number;
  exchanges: number;
  exchangesFailed: number;
  rangesCompared: number;
  /** Keys repaired on either side (pulled + pushed). */
  keysRepaired: number;
  durationMs: number;
  lastPassAtMs: number | undefined;
  treeRebuilds: number;
}

/** The summary of one pass (`POST /repair`). */
export interface RepairSummary extends ExchangeResult {
  readonly rangesCompared: number;
  readonly exchanges: number;
  readonly exchangesFailed: number;
  readonly keysRepaired: number;
  readonly durationMs: number;
  readonly failures: readonly { readonly group: string; readonly peer: string; readonly error: string }[];
}

/** Progress of a running pass, for a caller that shows it. */
export type RepairProgress = (done: number, total: number, group: string, peer: string) => void;

/** A node's anti-entropy (module comment). */
export class AntiEntropy {
  readonly trees: ReplicaTrees;
  readonly stats: AntiEntropyStats;
  /** Completed exchanges this node drove (tombstone rule (b)). */
  readonly ledger: ExchangeLedger;
  readonly tombstones: TombstoneCollector;
  private timer: unknown;
  private sweepTimer: unknown;
  /** The one-time upgrade scan of the tombstone index, once started: resolves with the marks it added. */
  indexing: Promise<number> | undefined;
  private running: Promise<RepairSummary> | undefined;
  private tokens: number;
  private tokensAtMs: number;
  private readonly bytesPerSecond: number;
  private stopped = false;

  constructor(private readonly o: AntiEntropyOptions) {
    this.trees = new ReplicaTrees({ selfId: o.selfId, n: o.n, ring: o.ring, engine: o.engine, bucketsLog2: o.bucketsLog2 ?? aeBucketsLog2Default });
    this.stats = { ...emptyResult(), passes: 0, exchanges: 0, exchangesFailed: 0, rangesCompared: 0, keysRepaired: 0, durationMs: 0, lastPassAtMs: undefined, treeRebuilds: 0 };
    this.bytesPerSecond = o.bytesPerSecond ?? aeBytesPerSecondDefault;
    this.tokens = this.bytesPerSecond;
    this.tokensAtMs = o.clock.now();
    this.ledger = new ExchangeLedger(o.generation ?? 0);
    this.tombstones = new TombstoneCollector({
      selfId: o.selfId, n: o.effectiveN ?? (() => replicationTotal(o.n)), graceMs: o.tombstoneGraceMs ?? tombstoneGraceMsDefault, clock: o.clock, engine: o.engine, store: o.store,
      ledger: this.ledger, groupOf: (skey) => this.trees.groupOf(skey), ringSize: () => o.ring().size,
      ...(o.sweepChunkKeys === undefined ? {} : { chunkKeys: o.sweepChunkKeys }),
    });
  }

  private readonly yieldTurn = (): Promise<void> => new Promise<void>((resolve) => this.o.clock.setTimer(0, resolve));

  /** When the running exchange last resumed from `pace` (or started). */
  private pacedAtMs = 0;

  /**
   * The exchange's turn boundary (invariant 6): rests as long as it worked
   * since it last rested, scaled so its share of wall time stays at most
   * `aeBusyShareMax`; at least one timer turn.
   */
  private readonly pace = async (): Promise<void> => {
    const share = this.o.busyShareMax ?? aeBusyShareMax;
    if (share >= 1) return;
    const busyMs = Math.max(0, this.o.clock.now() - this.pacedAtMs);
    const restMs = Math.min(aePaceRestMsMax, (busyMs * (1 - share)) / share);
    await new Promise<void>((resolve) => this.o.clock.setTimer(restMs, resolve));
    this.pacedAtMs = this.o.clock.now();
  };

  /** Starts a chunked build of every tree (start-up, ring change); settles when it is done or superseded. */
  private buildTrees(): Promise<void> {
    return this.trees.build(this.o.buildChunkKeys ?? aeBuildChunkKeysDefault, this.yieldTurn).then(() => {
      this.stats.treeRebuilds = this.trees.rebuilds;
    });
  }

  /** Whether a tree build runs, and how far it got (/status `antiEntropy.build`). */
  buildStatus(): BuildProgress {
    return this.trees.progress();
  }

  /** Runs a tombstone sweep now (or joins the running one). */
  sweepTombstones(): Promise<SweepSummary> {
    return this.tombstones.sweep(this.yieldTurn);
  }

  /** The store's write hook: a committed engine write (data keys only are used). */
  readonly observe = (skey: Uint8Array, old: Uint8Array | undefined, next: Uint8Array | undefined): void => {
    this.trees.observe(skey, old, next);
  };

  /**
   * Starts building the trees from storage in chunks (a timer turn between
   * chunks, so requests are served meanwhile) and schedules periodic passes;
   * the promise settles when the build is done. Exchanges, both sides, wait
   * for the build (trees.ts invariant 5).
   */
  start(): Promise<void> {
    const built = this.buildTrees();
    this.schedule();
    this.scheduleSweep();
    // A ring change during the build (gossip meeting the peers) starts another: settle when the trees are whole.
    return built.then(async () => {
      await this.trees.ready();
      // Once per data directory: index tombstones written before the index existed (tombstones.ts).
      if (this.o.store.tracksTombstones && !this.stopped) this.indexing = this.tombstones.indexExisting(this.yieldTurn).catch(() => 0);
    });
  }

  /** The store's intent hook (trees.ts invariant 4): keys whose batch is about to reach the engine. */
  readonly intent = (skeys: readonly Uint8Array[]): void => {
    this.trees.intent(skeys);
  };

  /** Cancels the periodic pass; a running pass finishes its current call. */
  stop(): void {
    this.stopped = true;
    // A build still scanning stops at its next turn (the engine is about to close).
    if (this.trees.isBuilding) this.trees.invalidate();
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.sweepTimer !== undefined) this.o.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    this.tombstones.stop();
  }

  /**
   * The ring changed: the ledger is cleared (replica sets may differ) and a
   * chunked rebuild of every tree starts at once; exchanges, both sides,
   * wait for it (invariant 4), requests are served meanwhile.
   */
  onRingChange(): void {
    this.ledger.reset();
    this.trees.invalidate();
    if (!this.stopped) void this.buildTrees().catch(() => {});
  }

  /** Runs a full pass now (or joins the running one). */
  repair(progress?: RepairProgress): Promise<RepairSummary> {
    this.running ??= this.pass(progress).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Serves one anti-entropy peer call; rejects with ProtocolError for a bad request. */
  async onCall(call: TreeNodesMessage | RangeSetsMessage | KeySetsMessage | SyncSetsMessage): Promise<PeerMessage> {
    switch (call.type) {
      case 'tree-nodes':
        await this.trees.ready();
        return { type: 'tree-nodes-ok', id: call.id, hashes: this.treeOf(call.group, call.bucketsLog2).nodes(call.depth, fromU32s(call.indices)) };
      case 'range-sets':
        return { type: 'range-sets-ok', id: call.id, ...this.rangeSets(call) };
      case 'key-sets':
        return { type: 'range-sets-ok', id: call.id, entries: encodeEntries(this.keySets(decodePairs(call.entries))) };
      case 'sync-sets': {
        // In windows: a chunk's thousands of sets never sit in the write queue ahead of client writes at once.
        await inWindows(decodeEntries(call.entries), (e) => this.o.store.syncIn(e.key, e.set, e.ageMs));
        return { type: 'sync-sets-ok', id: call.id };
      }
    }
  }

  /**
   * The stored sets a peer asked for. Towards a peer that holds no record of
   * a key (request value 0x01), a tombstone past its grace period here is
   * left out and a younger one carries its age (exchange invariant 4).
   */
  private keySets(asked: readonly SetEntry[]): SetEntry[] {
    const out: SetEntry[] = [];
    for (const { key, set: mark } of asked) {
      const skey = storageKey(key);
      const set = this.o.engine.getSync(skey);
      if (set === undefined) continue;
      const peerLacks = mark.length === 1 && mark[0] === 1;
      const ageMs = peerLacks ? this.tombstones.ageMs(skey) : undefined;
      if (ageMs === undefined) out.push({ key, set });
      else if (this.tombstones.verdict(skey) === 'grace') out.push({ key, set, ageMs });
    }
    return out;
  }

  private treeOf(group: string, bucketsLog2: number): MerkleTree {
    const tree = this.trees.tree(group);
    // Another shape cannot be compared: answer as an empty tree, so every bucket differs and keys are exchanged.
    return tree.bucketsLog2 === bucketsLog2 ? tree : new MerkleTree({ bucketsLog2 });
  }

  private rangeSets(call: RangeSetsMessage): { entries: Uint8Array; more?: Uint8Array } {
    if (call.bucketsLog2 !== this.trees.bucketsLog2) throw protocolError('invalid-message', `this node's trees have 2^${this.trees.bucketsLog2} buckets, not 2^${call.bucketsLog2}`);
    const out: SetEntry[] = [];
    let bytes = 0;
    for (const bucket of fromU32s(call.buckets)) {
      if (bucket >= 2 ** call.bucketsLog2) throw protocolError('invalid-message', `bucket ${bucket} is out of range`);
      for (const [skey, value] of this.trees.scanBucket(call.group, bucket, call.after)) {
        if (bytes >= call.bytesMax || out.length >= aeServeKeysPerCall) return { entries: encodeEntries(out), more: out.length === 0 ? skey : lastKey(out) };
        const set = call.digests === true ? versionDigest(value) : value;
        out.push({ key: skey.subarray(9), set, skey } as SetEntry & { skey: Uint8Array });
        bytes += set.length + skey.length;
      }
    }
    return { entries: encodeEntries(out) };
  }

  private schedule(): void {
    const interval = this.o.intervalMs ?? aeIntervalMsDefault;
    if (interval <= 0 || this.stopped) return;
    const delay = interval * (0.75 + 0.5 * this.o.random.next());
    this.timer = this.o.clock.setTimer(delay, () => {
      this.timer = undefined;
      void this.repair().finally(() => this.schedule());
    });
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = this.o.clock.setTimer(tombstoneSweepIntervalMs(this.o.tombstoneGraceMs ?? tombstoneGraceMsDefault), () => {
      this.sweepTimer = undefined;
      void this.sweepTombstones().finally(() => this.scheduleSweep());
    });
  }

  /** One exchange, waiting for the trees; recorded in the ledger when it completed within one ring epoch (invariant 4). */
  private async exchangeWith(group: string, peer: string, address: string): Promise<ExchangeResult> {
    await this.trees.ready();
    const epoch = this.ledger.epoch;
    const startSeq = this.o.store.committedBatchSeq;
    this.pacedAtMs = this.o.clock.now();
    const r = await exchange(group, this.ports(address));
    this.ledger.record(group, peer, startSeq, epoch);
    return r;
  }

  private async pass(progress: RepairProgress | undefined): Promise<RepairSummary> {
    await this.trees.ready();
    const startedMs = this.o.clock.now();
    const work = this.work();
    const total = emptyResult();
    const failures: { group: string; peer: string; error: string }[] = [];
    const groups = new Set<string>();
    let exchanges = 0;
    for (const [i, { group, peer, address }] of work.entries()) {
      if (this.stopped) break;
      progress?.(i, work.length, group, peer);
      try {
        const r = await this.exchangeWith(group, peer, address);
        groups.add(group);
        exchanges++;
        addInto(total, r);
      } catch (error) {
        failures.push({ group, peer, error: (error as Error).message.slice(0, 300) });
      }
    }
    progress?.(work.length, work.length, '', '');
    const summary: RepairSummary = {
      ...total, rangesCompared: groups.size, exchanges, exchangesFailed: failures.length,
      keysRepaired: total.keysPulled + total.keysPushed, durationMs: this.o.clock.now() - startedMs, failures,
    };
    this.record(summary);
    if (!this.stopped) await this.sweepTombstones().catch(() => undefined);
    return summary;
  }

  /** (group, peer) pairs of a pass: every other live member of each group this node replicates. */
  private work(): { group: string; peer: string; address: string }[] {
    const down = this.o.down();
    const out: { group: string; peer: string; address: string }[] = [];
    for (const group of this.trees.groups()) {
      for (const peer of group.split(',')) {
        const address = this.o.addressOf(peer);
        if (peer !== this.o.selfId && !down.has(peer) && address !== undefined) out.push({ group, peer, address });
      }
    }
    return out;
  }

  private ports(address: string) {
    return {
      call: (body: ExchangeCall) => this.o.call(address, body, aeCallTimeoutMs),
      tree: (group: string) => this.trees.tree(group),
      scanBucket: (group: string, bucket: number) => this.trees.scanBucket(group, bucket),
      syncIn: (key: Uint8Array, set: StoredSet, ageMs?: number) => this.o.store.syncIn(key, set, ageMs),
      pastGrace: (skey: Uint8Array) => this.tombstones.verdict(skey) !== 'grace',
      tombstoneAgeMs: (skey: Uint8Array) => this.tombstones.ageMs(skey),
      throttle: (bytes: number) => this.throttle(bytes),
      yieldTurn: this.pace,
    };
  }

  /** Token bucket of `bytesPerSecond` (burst: one second's worth). */
  private async throttle(bytes: number): Promise<void> {
    const now = this.o.clock.now();
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.tokensAtMs) * this.bytesPerSecond) / 1000);
    this.tokensAtMs = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens * 1000) / this.bytesPerSecond;
    await new Promise<void>((resolve) => this.o.clock.setTimer(waitMs, resolve));
  }

  private record(s: RepairSummary): void {
    const t = this.stats;
    addInto(t, s);
    t.passes++;
    t.exchanges += s.exchanges;
    t.exchangesFailed += s.exchangesFailed;
    t.rangesCompared += s.rangesCompared;
    t.keysRepaired += s.keysRepaired;
    t.durationMs += s.durationMs;
    t.lastPassAtMs = this.o.clock.now();
    t.treeRebuilds = this.trees.rebuilds;
  }
}

function lastKey(out: SetEntry[]): Uint8Array {
  return (out[out.length - 1] as SetEntry & { skey: Uint8Array }).skey;
}

function addInto(into: ExchangeResult, r: ExchangeResult): void {
  into.roundTrips += r.roundTrips;
  into.nodesCompared += r.nodesCompared;
  into.bucketsDiffering += r.bucketsDiffering;
  into.keysCompared += r.keysCompared;
  into.keysPulled += r.keysPulled;
  into.keysPushed += r.keysPushed;
  into.bytesSent += r.bytesSent;
  into.bytesReceived += r.bytesReceived;
}
