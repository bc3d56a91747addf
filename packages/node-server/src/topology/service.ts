/**
 * Topology changes of one node: join (stream in, then become normal), leave
 * (stream out, hand off hints, announce left), remove (announce a dead
 * member left), cleanup (drop ranges the node no longer replicates, once
 * their owners hold them) and plan (what a change would move). README,
 * "Topology changes", has the operator's view.
 *
 * Concurrency model: event-driven on the injected clock. At most one join
 * or leave stream and one cleanup run at a time; each makes one peer call
 * at a time (streams.ts).
 *
 * Invariants:
 *   1. A joining node becomes normal (gossip and `m‖topology`) only after
 *      every range it gains has been streamed completely from a current
 *      replica; a restart resumes from the persisted cursors. It streams
 *      only once every live member showed it knows the node is joining, or
 *      `joinWitnessRoundsMax` rounds passed.
 *   2. A leaving node announces `left` only after every range it holds that
 *      moves has been pushed to each new owner.
 *   3. Cleanup never runs while any member is joining or leaving, and drops
 *      a chunk of a range only after every owner of the range confirmed it
 *      holds each set (by digest) or took the push; a set that changed
 *      meanwhile is not deleted.
 *   4. Nothing here calls Date.now or timers directly: the node's clock.
 *   5. `m‖topology = leaving` is written before any range is pushed, and
 *      `left` only after the leave completed: a restart in between resumes
 *      the leave (status `leaving` from the start) without a new request.
 *   6. Once `left` is recorded the node calls `onLeft` after at most
 *      `leftStopDelayMsMax` on its clock, with no peer call or gossip state
 *      in between (a removed node whose gossip stopped included).
 */
import { HashRing, ringDiff, type RangeChange, type RingRange, type Replication } from '@ringkv/hashring';
import { leaveAnnounceRounds } from '@ringkv/gossip';
import type { PeerMessage, RangeStatsMessage, StreamCheckMessage, StreamPushMessage, StreamRangeMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import type { ClusterCore } from '../cluster/core.js';
import type { EngineHintStore } from '../cluster/hint-store.js';
import type { PeerPort } from '../cluster/replicas.js';
import { ringVnodesBase } from '../cluster/ring-view.js';
import type { NodeLogger } from '../log.js';
import type { StorageEngine } from '../store/engine-port.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { cleanupRange, type CleanupStats } from './cleanup.js';
import { DataCount } from './data-count.js';
import { JoinWitnesses } from './join-witnesses.js';
import { handOverHints, redirectHints } from './hints.js';
import { afterChangeRounds, announceRounds, joinWitnessRoundsMax, leftStopDelayMsMax, repairAfterChangeMsMin, streamChunkBytesMax, streamChunkBytesMin, streamRetryMs } from './limits.js';
import { computePlan, type Plan, type PlanQuery } from './plan.js';
import { clearProgress, readProgress, readSelf, writeSelf, type SelfState } from './progress.js';
import { rangeHasData, rangeName } from './ranges.js';
import { pullRange, pushRange, serveStream, type StreamCounters, type StreamPorts } from './streams.js';
import { TokenBucket } from './token-bucket.js';

/** Topology options after defaults (`NodeOptions.join`, `streamBytesPerSec`, `onLeft`). */
export interface TopologySettings {
  readonly join: boolean;
  readonly streamBytesPerSec: number;
  /** Called once the node has left (its data handed over, `left` announced). */
  readonly onLeft?: () => void;
}

/** The stream in progress (or last finished), for /status. */
export interface StreamStatus {
  direction: 'in' | 'out';
  rangesTotal: number;
  rangesDone: number;
  keys: number;
  bytes: number;
  bytesPerSec: number;
  startedAtMs: number;
  peers: string[];
}

/** `cluster.topology` of /status. */
export interface TopologyStatus {
  readonly self: SelfState;
  readonly stream: StreamStatus | null;
  readonly cleanup: CleanupStats & { readonly pending: number };
}

/** An admin call's outcome: a value, or an HTTP status with a stable code. */
export type AdminResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

/** `POST /admin/cleanup`'s answer. */
export interface CleanupSummary {
  readonly rangesDropped: number;
  readonly keysDropped: number;
  readonly bytesPushed: number;
}

/** What the service is built from. */
export interface TopologyOptions {
  readonly id: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  readonly gossipIntervalMs: number;
  readonly engine: StorageEngine;
  readonly store: ReplicaStore;
  readonly hints: EngineHintStore;
  readonly cluster: ClusterCore;
  readonly peers: PeerPort;
  readonly clock: Clock;
  readonly random: { next(): number };
  readonly settings: TopologySettings;
  /** Runs an anti-entropy pass (scheduled after ring changes). */
  readonly repair: () => Promise<unknown>;
  readonly log: NodeLogger;
}

/**
 * The status a node's gossip starts with: joining when asked to join and its
 * data directory never finished a join. A node whose directory records an
 * unfinished leave starts gossiping `normal` and resumes the leave once it
 * sees the cluster again (`TopologyService.start`).
 */
export function initialSelf(engine: Pick<StorageEngine, 'getSync'>, settings: Pick<TopologySettings, 'join'>): 'joining' | 'normal' {
  const stored = readSelf(engine);
  if (stored === 'joining') return 'joining';
  if (stored === 'normal' || stored === 'leaving') return 'normal';
  return settings.join ? 'joining' : 'normal';
}

function fail<T>(status: number, code: string, message: string): AdminResult<T> {
  return { ok: false, status, code, message };
}

/** A node's topology changes (module comment). */
export class TopologyService {
  readonly counters: StreamCounters = { bytesIn: 0, bytesOut: 0, keysIn: 0, keysOut: 0 };
  readonly cleanupStats: CleanupStats = { runs: 0, rangesDropped: 0, keysDropped: 0, bytesPushed: 0 };
  private selfState: SelfState;
  private stream: StreamStatus | null = null;
  /** When the last stream finished (its rate is frozen there); undefined while one runs. */
  private streamEndedAtMs: number | undefined;
  private cleanupPending = 0;
  private cleaning: Promise<CleanupSummary> | undefined;
  private readonly bucket: TokenBucket;
  private readonly timers = new Map<string, unknown>();
  private stopped = false;

  /** Data records held here (/status `store`, /metrics `ringkv_store_*`): counted in chunks from start(), kept by the write hooks (data-count.ts). */
  readonly data: DataCount;
  /** Peers known to know this node is joining (read only while it joins). */
  private readonly witnesses: JoinWitnesses;

  constructor(private readonly o: TopologyOptions) {
    // Hooks installed before the core starts (node-core); the count itself runs in start(), in chunks (data-count.ts).
    this.data = new DataCount(o.engine);
    o.store.observe(this.data.observe);
    o.store.observeIntent(this.data.intent);
    this.witnesses = new JoinWitnesses(o.id, () => o.cluster.gossip.member(o.id)?.generation ?? 0);
    // An interrupted leave is resumed (invariant 5): /status shows `leaving` from the start.
    this.selfState = readSelf(o.engine) === 'leaving' ? 'leaving' : initialSelf(o.engine, o.settings);
    this.bucket = new TokenBucket(o.clock, o.settings.streamBytesPerSec);
  }

  /** The status gossip starts with. */
  get initialStatus(): 'joining' | 'normal' {
    return this.selfState === 'joining' ? 'joining' : 'normal';
  }

  /** Starts a pending join, and follows ring changes (cleanup and repair after them). Call after the cluster core started. */
  start(): void {
    void this.data.count(() => new Promise<void>((resolve) => this.o.clock.setTimer(0, resolve))).catch((error: unknown) => this.o.log.error({ err: error }, 'counting data records failed'));
    this.o.cluster.onRingChange(() => this.afterChange());
    this.o.cluster.gossip.on((e) => {
      if (e.type === 'changed' || e.type === 'left') this.afterChange();
      if (e.type === 'left') this.redirectHintsOf(e.member.id);
      if (e.type === 'removed') this.onRemoved();
    });
    if (this.selfState === 'joining') {
      this.o.cluster.onGossipMessage((m) => {
        if (this.selfState === 'joining') this.witnesses.observe(m);
      });
      void this.runJoin().catch((error: unknown) => this.o.log.error({ err: error }, 'join failed'));
    } else if (this.selfState === 'leaving') {
      void this.resumeLeave().catch((error: unknown) => this.o.log.error({ err: error }, 'resuming the leave failed'));
    } else {
      void writeSelf(this.o.store, 'normal').catch(() => {});
    }
  }

  /** Stops streams and scheduled work at their next step. Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.o.clock.clearTimer(t);
    this.timers.clear();
  }

  /** Serves a topology peer call. */
  onCall(call: StreamRangeMessage | StreamPushMessage | StreamCheckMessage | RangeStatsMessage): Promise<PeerMessage> {
    return serveStream(this.o.engine, this.o.store, this.counters, call);
  }

  /** `cluster.topology` of /status. */
  status(): TopologyStatus {
    const s = this.stream;
    const endMs = this.streamEndedAtMs ?? this.o.clock.now();
    const stream = s === null ? null : { ...s, peers: [...s.peers], bytesPerSec: Math.round(s.bytes / Math.max(0.001, (endMs - s.startedAtMs) / 1000)) };
    return { self: this.selfState, stream, cleanup: { ...this.cleanupStats, pending: this.cleanupPending } };
  }

  // ------------------------------------------------------------------ join

  private async runJoin(): Promise<void> {
    await writeSelf(this.o.store, 'joining');
    for (let attempt = 0; !this.stopped; attempt++) {
      await this.waitForCluster();
      if (this.stopped) return;
      const view = this.o.cluster.view;
      const gained = ringDiff(view.ring, view.future, this.o.n).filter((c) => c.gained.includes(this.o.id));
      if (attempt === 0 || this.stream === null) this.stream = this.newStream('in', gained.length);
      else Object.assign(this.stream, { rangesTotal: gained.length, rangesDone: 0 });
      if (await this.pullAll(gained)) break;
      await this.sleep(streamRetryMs);
    }
    if (this.stopped) return;
    this.streamEndedAtMs = this.o.clock.now();
    await clearProgress(this.o.store, this.o.engine);
    await writeSelf(this.o.store, 'normal');
    this.selfState = 'normal';
    this.o.cluster.gossip.setStatus('normal');
    this.o.cluster.view.update(this.o.cluster.gossip.snapshot());
    this.o.log.info({ keys: this.stream?.keys, bytes: this.stream?.bytes }, 'join complete: serving as normal');
  }

  /** Streams every gained range from one of its current replicas; false when some range found no source. */
  private async pullAll(gained: readonly RangeChange[]): Promise<boolean> {
    let complete = true;
    for (const change of gained) {
      if (this.stopped) return false;
      if (await this.pullOne(change)) (this.stream as StreamStatus).rangesDone++;
      else complete = false;
    }
    return complete;
  }

  private async pullOne(change: RangeChange): Promise<boolean> {
    const name = rangeName(change);
    if (readProgress(this.o.engine, name).done) return true;
    const view = this.o.cluster.view;
    const sources = change.before.filter((id) => id !== this.o.id && !view.down.has(id));
    for (const source of sources) {
      const address = view.addressOf(source);
      if (address === undefined) continue;
      try {
        this.notePeer(source);
        await pullRange(this.ports(), address, change, name);
        return true;
      } catch (error) {
        this.o.log.warn({ source, range: name, err: error }, 'stream from a source failed; trying another replica');
      }
    }
    return false;
  }

  /**
   * Waits until gossip shows another ring member, then until every live
   * member (normal or leaving) has shown in its gossip that it knows this
   * node is joining (join-witnesses.ts), so its coordinators write to this
   * node as a pending replica before any range is streamed; at most
   * `joinWitnessRoundsMax` rounds, after which the join proceeds and logs
   * who was not confirmed (anti-entropy covers their writes). Then one more
   * round, for writes a coordinator began before it learned.
   */
  private async waitForCluster(): Promise<void> {
    const interval = this.o.gossipIntervalMs;
    while (!this.stopped && this.o.cluster.view.ring.nodes().every((m) => m.id === this.o.id)) await this.sleep(interval);
    const deadlineMs = this.o.clock.now() + interval * joinWitnessRoundsMax;
    for (;;) {
      if (this.stopped) return;
      const live = this.o.cluster.view.snapshot().filter((m) => m.id !== this.o.id && (m.status === 'normal' || m.status === 'leaving'));
      const missing = this.witnesses.missing(live);
      if (missing.length === 0) break;
      if (this.o.clock.now() >= deadlineMs) {
        this.o.log.warn({ missing, rounds: joinWitnessRoundsMax }, 'some members have not shown they know this node is joining; streaming anyway (anti-entropy covers writes they coordinate meanwhile)');
        break;
      }
      await this.sleep(interval / 2);
    }
    await this.sleep(interval);
  }

  // ----------------------------------------------------------------- leave

  /** `POST /admin/leave`: starts decommissioning this node (202). */
  leave(): AdminResult<{ state: 'leaving' }> {
    if (this.selfState === 'leaving' || this.selfState === 'left') return fail(409, 'already-leaving', `this node is already ${this.selfState}`);
    if (this.selfState === 'joining') return fail(409, 'joining', 'this node is still joining; let the join finish, then leave');
    if (this.o.cluster.view.ring.nodes().every((m) => m.id === this.o.id)) return fail(409, 'alone', 'this node is alone in the ring: nobody could take its data');
    this.selfState = 'leaving';
    this.o.cluster.gossip.setStatus('leaving');
    this.o.cluster.view.update(this.o.cluster.gossip.snapshot());
    void this.runLeave().catch((error: unknown) => this.o.log.error({ err: error }, 'leave failed'));
    return { ok: true, value: { state: 'leaving' } };
  }

  /**
   * A restart found `m‖topology = leaving`: once gossip shows another ring
   * member (before that the ring diff would name no new owner and the leave
   * would end at once with nothing handed over), announce `leaving` again and
   * run the leave from the start (pushes are DVV merges: repeating one is harmless).
   */
  private async resumeLeave(): Promise<void> {
    this.o.log.info('resuming a leave interrupted by a restart');
    while (!this.stopped && this.o.cluster.view.ring.nodes().every((m) => m.id === this.o.id)) await this.sleep(this.o.gossipIntervalMs);
    if (this.stopped) return;
    this.o.cluster.gossip.setStatus('leaving');
    this.o.cluster.view.update(this.o.cluster.gossip.snapshot());
    await this.runLeave();
  }

  private async runLeave(): Promise<void> {
    await writeSelf(this.o.store, 'leaving');
    await this.sleep(this.o.gossipIntervalMs * announceRounds);
    this.stream = this.newStream('out', 0);
    await this.pushAllMoving();
    if (this.stopped) return;
    this.streamEndedAtMs = this.o.clock.now();
    await this.handOffHints();
    await writeSelf(this.o.store, 'left');
    this.selfState = 'left';
    this.announceLeft();
    this.o.log.info({ keys: this.stream.keys, bytes: this.stream.bytes }, 'leave complete: announced left');
    // Invariant 6: one timer on the node's clock, bounded, depending on no peer.
    await this.sleep(Math.min(this.o.gossipIntervalMs * (leaveAnnounceRounds + 1), leftStopDelayMsMax));
    if (!this.stopped) this.o.settings.onLeft?.();
  }

  /**
   * Gossips `left`. Gossip may have stopped already: a member removed this
   * node meanwhile (`removed`: it announced `left` itself and stopped after
   * its rounds). Then there is nothing more to announce, and the leave must
   * still end (before, `leave()` threw `not-running` and `onLeft` never ran).
   */
  private announceLeft(): void {
    const gossip = this.o.cluster.gossip;
    if (gossip.isRunning()) gossip.leave();
    else this.o.log.warn('gossip had already stopped (another member removed this node): left is not announced again');
  }

  /**
   * Pushes every range this node holds to each node gaining it, until the
   * ring diff has no (range, target) pair left undone. Rounds: every pair
   * whose target is live is tried once; pairs left (target down or failing)
   * wait `streamRetryMs` for the next round. A target that leaves the future
   * ring meanwhile (an operator removed it) drops out of the recomputed
   * diff, which names its ranges' new owners instead.
   */
  private async pushAllMoving(): Promise<void> {
    const done = new Set<string>();
    const stream = this.stream as StreamStatus;
    while (!this.stopped) {
      const view = this.o.cluster.view;
      const work: [RangeChange, string][] = [];
      for (const c of ringDiff(view.ring, view.future, this.o.n)) {
        if (!c.before.includes(this.o.id)) continue;
        for (const target of c.gained) if (!done.has(`${rangeName(c)}>${target}`)) work.push([c, target]);
      }
      if (work.length === 0) return;
      stream.rangesTotal = done.size + work.length;
      for (const [range, target] of work) {
        if (this.stopped) return;
        if (!(await this.tryPush(range, target))) continue;
        done.add(`${rangeName(range)}>${target}`);
        stream.rangesDone = done.size;
      }
      if (done.size < stream.rangesTotal) await this.sleep(streamRetryMs);
    }
  }

  /** One attempt to push a range to a new owner; false when it is down, unknown or the push failed. */
  private async tryPush(range: RingRange, target: string): Promise<boolean> {
    const view = this.o.cluster.view;
    const address = view.addressOf(target);
    if (address === undefined || view.down.has(target)) return false;
    this.notePeer(target);
    try {
      await pushRange(this.ports(), address, range);
      return true;
    } catch (error) {
      this.o.log.warn({ target, err: error }, 'push to a new owner failed; retrying');
      return false;
    }
  }

  /**
   * Before it goes: replays the hints this node holds to their live targets,
   * and hands the hints of down targets to a node that stays (hints.ts).
   */
  private async handOffHints(): Promise<void> {
    const view = this.o.cluster.view;
    for (const target of [...this.o.hints.countsByTarget().keys()]) {
      if (target === this.o.id) continue;
      if (!view.down.has(target)) await this.o.cluster.handoff.replay(target).catch(() => {});
      if ((this.o.hints.countsByTarget().get(target) ?? 0) === 0) continue;
      const moved = await handOverHints({ ...this.redirectPorts(), future: () => view.future }, target).catch(() => 0);
      this.o.log.info({ target, moved }, 'handed hints for a down node to a node that stays');
    }
  }

  private redirectPorts(): Parameters<typeof redirectHints>[0] {
    const view = this.o.cluster.view;
    return {
      selfId: this.o.id, n: this.o.n, ring: () => view.ring, down: () => view.down, addressOf: (m) => view.addressOf(m),
      hints: this.o.hints, store: this.o.store, call: (a, b, t) => this.o.peers.call(a, b, t),
    };
  }

  /** A member left or was removed: its hints go to the keys' current replicas instead (hints.ts). */
  private redirectHintsOf(id: string): void {
    if ((this.o.hints.countsByTarget().get(id) ?? 0) === 0) return;
    // After the ring dropped it (the view updates on the same gossip event, after this listener).
    this.later(`hints:${id}`, this.o.gossipIntervalMs, () => {
      void redirectHints(this.redirectPorts(), id).then(
        (moved) => this.o.log.info({ member: id, moved }, 'hints of a member that left were delivered to current replicas'),
        (error: unknown) => this.o.log.warn({ member: id, err: error }, 'redirecting hints of a member that left failed'),
      );
    });
  }

  /** Gossip says another member removed this node: stop serving as a member. */
  private onRemoved(): void {
    this.selfState = 'left';
    void writeSelf(this.o.store, 'left').catch(() => {});
    this.o.log.warn('another member removed this node from the cluster; it has stopped gossiping');
  }

  // ---------------------------------------------------------------- remove

  /** `POST /admin/remove`: announces member `id` left (it must be down unless `force`). */
  remove(id: string, force: boolean): AdminResult<{ removed: string }> {
    if (id === this.o.id) return fail(409, 'is-self', 'a node cannot remove itself; use POST /admin/leave');
    const member = this.o.cluster.view.snapshot().find((m) => m.id === id && m.status !== 'left');
    if (member === undefined) return fail(404, 'unknown-member', `no member ${JSON.stringify(id)} in this node's view`);
    if (member.status !== 'down' && !force) {
      return fail(409, 'member-up', `${id} is ${member.status}, not down: stop it first, let it leave (POST /admin/leave on it), or pass "force": true`);
    }
    this.o.cluster.gossip.remove(id);
    this.o.cluster.view.update(this.o.cluster.gossip.snapshot());
    this.o.log.warn({ member: id, was: member.status, force }, 'removed a member from the cluster');
    this.afterChange();
    return { ok: true, value: { removed: id } };
  }

  // --------------------------------------------------------------- cleanup

  /** `POST /admin/cleanup` (and the background run after a ring change). */
  async cleanup(): Promise<AdminResult<CleanupSummary>> {
    if (this.o.cluster.view.changing) return fail(409, 'ring-changing', 'a member is joining or leaving; cleanup runs once the change is done');
    if (this.selfState !== 'normal') return fail(409, 'not-normal', `this node is ${this.selfState}`);
    this.cleaning ??= this.runCleanup().finally(() => (this.cleaning = undefined));
    return { ok: true, value: await this.cleaning };
  }

  private async runCleanup(): Promise<CleanupSummary> {
    const view = this.o.cluster.view;
    const summary = { rangesDropped: 0, keysDropped: 0, bytesPushed: 0 };
    let pending = 0;
    // Every range of the ring with its replicas: the diff from an empty ring lists them all.
    for (const range of ringDiff(HashRing.fromNodes([], { vnodes: ringVnodesBase }), view.ring, this.o.n)) {
      if (this.stopped || view.changing) break;
      if (range.after.includes(this.o.id) || !rangeHasData(this.o.engine, range)) continue;
      const owners = range.after.map((id) => ({ id, address: view.addressOf(id) }));
      if (owners.some((w) => w.address === undefined || view.down.has(w.id))) {
        pending++;
        continue;
      }
      const r = await cleanupRange({ ...this.ports(), clock: this.o.clock, changing: () => view.changing }, range, owners as { id: string; address: string }[]).catch((error: unknown) => {
        this.o.log.warn({ range: rangeName(range), err: error }, 'cleanup of a range failed; it is kept');
        return undefined;
      });
      if (r === undefined || !r.complete) pending++;
      else summary.rangesDropped++;
      summary.keysDropped += r?.keysDropped ?? 0;
      summary.bytesPushed += r?.bytesPushed ?? 0;
    }
    this.cleanupPending = pending;
    // Ranges kept because an owner was down: try again later (another ring change also reschedules).
    if (pending > 0 && !this.stopped) this.later('cleanup', this.o.gossipIntervalMs * afterChangeRounds * 6, () => {
      if (this.selfState === 'normal' && !this.o.cluster.view.changing) void this.cleanup().catch(() => {});
    });
    const t = this.cleanupStats;
    t.runs++;
    t.rangesDropped += summary.rangesDropped;
    t.keysDropped += summary.keysDropped;
    t.bytesPushed += summary.bytesPushed;
    return summary;
  }

  // ------------------------------------------------------------------ plan

  /** `GET /admin/plan`: what a join or leave would move, counted by the current owners. */
  plan(query: PlanQuery): Promise<AdminResult<Plan>> {
    return computePlan(query, { id: this.o.id, n: this.o.n, view: this.o.cluster.view, engine: this.o.engine, call: (a, b, t) => this.o.peers.call(a, b, t) });
  }

  // ----------------------------------------------------------------- plumbing

  /** After a ring or status change: a repair pass a few seconds later and a cleanup some rounds later (both jittered, debounced). */
  private afterChange(): void {
    if (this.stopped) return;
    const jitter = (ms: number) => ms * (0.5 + this.o.random.next());
    this.later('repair', Math.max(repairAfterChangeMsMin, 0) + jitter(repairAfterChangeMsMin) / 2, () => {
      if (this.selfState === 'normal' || this.selfState === 'leaving') void this.o.repair().catch(() => {});
    });
    this.later('cleanup', jitter(this.o.gossipIntervalMs * afterChangeRounds), () => {
      if (this.selfState === 'normal' && !this.o.cluster.view.changing) void this.cleanup().catch(() => {});
    });
  }

  private later(name: string, delayMs: number, fn: () => void): void {
    const old = this.timers.get(name);
    if (old !== undefined) this.o.clock.clearTimer(old);
    this.timers.set(
      name,
      this.o.clock.setTimer(delayMs, () => {
        this.timers.delete(name);
        fn();
      }),
    );
  }

  private ports(): StreamPorts {
    const rate = this.o.settings.streamBytesPerSec;
    return {
      engine: this.o.engine, store: this.o.store, bucket: this.bucket, counters: this.counters,
      call: (address, body, timeoutMs) => this.o.peers.call(address, body, timeoutMs),
      chunkBytes: Math.max(streamChunkBytesMin, Math.min(streamChunkBytesMax, Math.floor(rate / 4))),
      stopped: () => this.stopped,
      progress: (keys, bytes) => {
        if (this.stream === null) return;
        this.stream.keys += keys;
        this.stream.bytes += bytes;
      },
    };
  }

  private newStream(direction: 'in' | 'out', rangesTotal: number): StreamStatus {
    this.streamEndedAtMs = undefined;
    return { direction, rangesTotal, rangesDone: 0, keys: 0, bytes: 0, bytesPerSec: 0, startedAtMs: this.o.clock.now(), peers: [] };
  }

  private notePeer(id: string): void {
    if (this.stream !== null && !this.stream.peers.includes(id)) this.stream.peers.push(id);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.setTimer(ms, resolve));
  }
}
