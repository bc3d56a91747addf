/**
 * Topology changes of one node: join (stream in, then become normal), leave
 * (stream out, hand off hints, announce left), remove (announce a dead
 * member left), cleanup (drop ranges the node no longer replicates, once
 * their owners hold them) and plan (what a change would move). README,
 * "Topology changes", has the operator's view. This class holds the node's
 * topology state and schedules the work; the steps run in join.ts, leave.ts
 * and cleanup-pass.ts (over `TopologyRun`, options.ts), the shapes /status and
 * the admin endpoints answer with are in status.ts and admin-result.ts.
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
import { ringDiff } from '@ringkv/hashring';
import { leaveAnnounceRounds } from '@ringkv/gossip';
import type { PeerMessage, RangeStatsMessage, StreamCheckMessage, StreamPushMessage, StreamRangeMessage } from '@ringkv/protocol';
import { fail, type AdminResult } from './admin-result.js';
import type { CleanupStats } from './cleanup.js';
import { cleanupPass, type CleanupSummary } from './cleanup-pass.js';
import { DataCount } from './data-count.js';
import { redirectHints } from './hints.js';
import { waitForCluster, pullAll } from './join.js';
import { JoinWitnesses } from './join-witnesses.js';
import { handOffHints, pushAllMoving, redirectPorts } from './leave.js';
import { afterChangeRounds, announceRounds, leftStopDelayMsMax, repairAfterChangeMsMin, streamChunkBytesMax, streamChunkBytesMin, streamRetryMs } from './limits.js';
import type { TopologyOptions, TopologyRun } from './options.js';
import { computePlan, type Plan, type PlanQuery } from './plan.js';
import { clearProgress, initialSelf, readSelf, writeSelf, type SelfState } from './progress.js';
import { newStreamStatus, streamStatusAt, type StreamStatus, type TopologyStatus } from './status.js';
import { serveStream, type StreamCounters, type StreamPorts } from './streams.js';
import { TokenBucket } from './token-bucket.js';

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
  /** What the join, leave and cleanup runs (join.ts, leave.ts, cleanup-pass.ts) take from this service. */
  private readonly run: TopologyRun;

  constructor(private readonly o: TopologyOptions) {
    this.run = { o, stopped: () => this.stopped, sleep: (ms) => this.sleep(ms), ports: () => this.ports(), notePeer: (id) => this.notePeer(id) };
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
    const stream = s === null ? null : streamStatusAt(s, this.streamEndedAtMs ?? this.o.clock.now());
    return { self: this.selfState, stream, cleanup: { ...this.cleanupStats, pending: this.cleanupPending } };
  }

  // ------------------------------------------------------------------ join

  private async runJoin(): Promise<void> {
    await writeSelf(this.o.store, 'joining');
    for (let attempt = 0; !this.stopped; attempt++) {
      await waitForCluster(this.run, this.witnesses);
      if (this.stopped) return;
      const view = this.o.cluster.view;
      const gained = ringDiff(view.ring, view.future, this.o.n).filter((c) => c.gained.includes(this.o.id));
      if (attempt === 0 || this.stream === null) this.stream = this.newStream('in', gained.length);
      else Object.assign(this.stream, { rangesTotal: gained.length, rangesDone: 0 });
      if (await pullAll(this.run, gained, this.stream)) break;
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
    await pushAllMoving(this.run, this.stream);
    if (this.stopped) return;
    this.streamEndedAtMs = this.o.clock.now();
    await handOffHints(this.o);
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

  /** A member left or was removed: its hints go to the keys' current replicas instead (hints.ts). */
  private redirectHintsOf(id: string): void {
    if ((this.o.hints.countsByTarget().get(id) ?? 0) === 0) return;
    // After the ring dropped it (the view updates on the same gossip event, after this listener).
    this.later(`hints:${id}`, this.o.gossipIntervalMs, () => {
      void redirectHints(redirectPorts(this.o), id).then(
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
    const { summary, pending } = await cleanupPass(this.run);
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
    return newStreamStatus(direction, rangesTotal, this.o.clock.now());
  }

  private notePeer(id: string): void {
    if (this.stream !== null && !this.stream.peers.includes(id)) this.stream.peers.push(id);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.setTimer(ms, resolve));
  }
}
