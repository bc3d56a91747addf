/**
 * A gossip node: membership, push-pull exchanges, failure detection confirmed
 * by several reporters, joins through seeds, events and snapshots.
 *
 * Concurrency model: single-threaded and event-driven. Work happens in the
 * round timer (`tick`) and in the transport's message callback; neither
 * blocks, and neither runs inside the other.
 *
 * Invariants:
 *   1. Only this node writes its own entry (heartbeat, status, suspicions…);
 *      every other entry changes only by `merge` (see state.ts).
 *   2. This node suspects member M iff M is not left and M's heartbeat has not
 *      advanced here for `suspectTimeoutMs`; hearing a newer heartbeat (or a
 *      higher generation) clears the suspicion at once.
 *   3. M is down here iff at least `required(M)` distinct reporters suspect M
 *      now: this node (by 2) and members that publish a report on M's current
 *      generation at a heartbeat ≥ the one known here, and that this node
 *      neither suspects nor knows to have left. `required(M)` is
 *      min(reportersMin, live members other than M), at least 1.
 *   4. Events fire on transitions of the judged status only, once each.
 *   5. The list holds at most `membersMax` members; left members are forgotten
 *      `leftRetentionMs` after they are first seen left.
 */
import { answerDigest, answerRequests, type LocalView } from './exchange.js';
import { GossipError } from './errors.js';
import {
  addressLengthMax,
  clusterNameLengthMax,
  deltasPerMessageMax,
  fanoutDefault,
  fanoutMax,
  gossipIntervalMsDefault,
  idLengthMax,
  leaveAnnounceRounds,
  leftRetentionMsDefault,
  removeVersionGap,
  membersMax,
  reportersMinDefault,
  seedRetryMsInitial,
  seedRetryMsMax,
  stalenessRoundsMax,
  suspectsPublishedMax,
  suspectTimeoutMsDefault,
  vnodesMax,
  weightMax,
  zoneLengthMax,
  metaLengthMax,
  dcLengthMax,
  machineLengthMax,
} from './limits.js';
import { parseMessage, type GossipMessage } from './messages.js';
import { pickWeighted } from './peers.js';
import type { Clock, Random, Transport } from './ports.js';
import { ReporterIndex } from './reporters.js';
import {
  beat,
  digestOf,
  initialState,
  merge,
  restamp,
  write,
  type Digest,
  type MemberDelta,
  type MemberState,
  type SuspectReport,
} from './state.js';
import type { ChangedField, GossipEvent, GossipOptions, GossipStats, MemberSnapshot, MemberStatus } from './types.js';

/** What this node keeps about another member besides its gossiped state. */
interface Peer {
  state: MemberState;
  /** When this node last saw the heartbeat (or generation) advance. */
  lastAdvanceMs: number;
  /** When this node last got a message from the member itself. */
  lastHeardMs: number;
  suspected: boolean;
  judged: MemberStatus;
  leftSinceMs: number | undefined;
}

interface Settings {
  readonly cluster: string;
  readonly intervalMs: number;
  readonly fanout: number;
  readonly suspectTimeoutMs: number;
  readonly reportersMin: number;
  readonly leftRetentionMs: number;
  readonly seeds: readonly string[];
}

/**
 * One member's gossip.
 *
 * When to use: one per node process, created with the node's id, address and
 * a generation that grows on every restart; `start()` it, subscribe with
 * `on()`, build the ring from `snapshot()`.
 * Details: every `intervalMs` the node bumps its heartbeat, re-judges every
 * member, and opens an exchange (syn → ack → ack2) with `fanout` live peers,
 * chosen with weight growing with the time since each was last heard from
 * directly, plus now and then one unreachable member so healed partitions are
 * noticed. With no live peer it tries its seeds, backing off from
 * `seedRetryMsInitial` to `seedRetryMsMax`, and emits `seeds-unreachable`
 * after each attempt no seed answered.
 * Gotchas: events are delivered synchronously from inside the round or the
 * message callback; a listener must not block. A listener that throws
 * propagates to the clock or transport that called in.
 */
export class Gossip {
  private self: MemberState;
  private readonly peers = new Map<string, Peer>();
  private readonly forgotten = new Map<string, { generation: number; untilMs: number }>();
  private readonly reports = new ReporterIndex();
  private readonly listeners: Array<(event: GossipEvent) => void> = [];
  private readonly settings: Settings;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly transport: Transport;
  private timer: unknown = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  private running = false;
  private started = false;
  private leaveRoundsLeft: number | undefined = undefined;
  private seedAttempt: { deadlineMs: number; answered: boolean } | undefined = undefined;
  private seedFailures = 0;
  private readonly counters: GossipStats = {
    rounds: 0,
    messagesSent: 0,
    messagesReceived: 0,
    malformedDropped: 0,
    foreignDropped: 0,
    membersRefused: 0,
    deltasTruncated: 0,
    suspicionsRaised: 0,
    downsDeclared: 0,
    seedAttemptsFailed: 0,
  };
  private readonly view: LocalView = {
    state: (id) => (id === this.self.id ? this.self : this.peers.get(id)?.state),
    states: () => this.allStates(),
    forgottenAt: (id) => this.forgotten.get(id)?.generation,
  };

  constructor(options: GossipOptions) {
    this.settings = checkOptions(options);
    this.clock = options.clock;
    this.random = options.random;
    this.transport = options.transport;
    this.self = initialState({
      id: options.id,
      generation: options.generation,
      address: options.address,
      status: options.initialStatus ?? 'normal',
      vnodes: options.vnodes ?? 64,
      weight: options.weight ?? 1,
      zone: options.zone ?? '',
      meta: options.meta ?? '',
      dc: options.dc ?? '',
      machine: options.machine ?? '',
    });
  }

  /** This node's id. */
  get id(): string {
    return this.self.id;
  }

  /** Starts the rounds (the first at a random phase within one interval) and listening. Starting twice is an error. */
  start(): void {
    if (this.started) throw new GossipError('not-running', 'start called twice; create a new Gossip for a restart (with a higher generation)');
    this.started = true;
    this.running = true;
    const off = this.transport.onMessage((from, message) => this.receive(from, message));
    if (typeof off === 'function') this.unsubscribe = off as () => void;
    this.schedule(this.random.next() * this.settings.intervalMs);
  }

  /** Stops rounds and ignores further messages; peers will suspect this node unless it left first. Idempotent. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** True between `start` and `stop` (or the end of a `leave`). */
  isRunning(): boolean {
    return this.running;
  }

  /**
   * Leaves gracefully: announces `left` at once to `fanout` peers, keeps
   * gossiping it for `leaveAnnounceRounds` rounds, then stops by itself.
   * Peers emit `left`, never `down`, and forget this member after their
   * `leftRetentionMs`. To come back, start a new Gossip with a higher generation.
   */
  leave(): void {
    this.assertRunning('leave');
    if (this.self.status.value !== 'left') this.self = write(this.self, 'status', 'left');
    this.leaveRoundsLeft = leaveAnnounceRounds;
    this.gossipRound();
  }

  /**
   * Announces another member as `left`: an operator removing a member that is
   * gone for good (a dead node that will not come back to leave by itself).
   * This node writes the member's status `left` at a version past every one
   * it knows of that member's current generation, so the change wins every
   * merge and spreads like any update; peers emit `left`, then forget it.
   *
   * Rules: a member removed while it still runs learns it from the first
   * copy of its own entry it receives, emits `removed` and leaves (stops
   * after `leaveAnnounceRounds`). A member that restarts with a higher
   * generation is a new life of that id, accepted as any restart (`up`).
   * Returns false when the member is unknown here or is this node.
   */
  remove(id: string): boolean {
    this.assertRunning('remove');
    const peer = this.peers.get(id);
    if (peer === undefined) return false;
    // Ahead of any version the member itself can reach soon, so its own next copies do not hide the change from it.
    const version = peer.state.version + removeVersionGap;
    peer.state = { ...peer.state, version, status: { value: 'left', version } };
    peer.suspected = false;
    this.judge(peer, this.liveCount());
    this.gossipRound();
    return true;
  }

  /** Sets this node's own status (`joining` while it bootstraps, `normal`, `leaving` while it hands off its data). */
  setStatus(status: 'joining' | 'normal' | 'leaving'): void {
    this.assertRunning('setStatus');
    if (this.self.status.value !== status) this.self = write(this.self, 'status', status);
  }

  /** Changes this node's address, vnodes, weight, zone, dc, machine or meta; peers emit `changed`. Unchanged fields are not re-announced. */
  update(changes: MemberFields): void {
    checkMemberFields(changes);
    for (const name of ['address', 'vnodes', 'weight', 'zone', 'meta', 'dc', 'machine'] as const) {
      const value = changes[name];
      if (value !== undefined && value !== this.self[name].value) this.self = write(this.self, name, value as never);
    }
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: GossipEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Every known member, this node included, sorted by id, with statuses as judged here. */
  snapshot(): MemberSnapshot[] {
    const out = [toSnapshot(this.self, this.self.status.value)];
    for (const peer of this.peers.values()) out.push(toSnapshot(peer.state, peer.judged));
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One member as judged here, or `undefined` if unknown (or forgotten). */
  member(id: string): MemberSnapshot | undefined {
    if (id === this.self.id) return toSnapshot(this.self, this.self.status.value);
    const peer = this.peers.get(id);
    return peer === undefined ? undefined : toSnapshot(peer.state, peer.judged);
  }

  /**
   * Milliseconds since this node last got a gossip message from member `id`
   * itself (0 for this node; `undefined` for an unknown member): this node's
   * own evidence of reachability, before any suspicion is confirmed.
   */
  heardAgoMs(id: string): number | undefined {
    if (id === this.self.id) return 0;
    const peer = this.peers.get(id);
    return peer === undefined ? undefined : Math.max(0, this.clock.now() - peer.lastHeardMs);
  }

  /** The members that currently count `id` as suspected, this node included (empty if none). */
  reportersOf(id: string): string[] {
    const peer = this.peers.get(id);
    return peer === undefined ? [] : this.reportersOn(peer);
  }

  /** A copy of this node's counters. */
  stats(): GossipStats {
    return { ...this.counters };
  }

  // ---- rounds ----------------------------------------------------------------

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimer(delayMs, () => this.tick());
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    this.counters.rounds++;
    this.self = beat(this.self);
    this.detect();
    this.forgetLeft();
    this.gossipRound();
    if (this.leaveRoundsLeft !== undefined && --this.leaveRoundsLeft <= 0) return this.stop();
    this.schedule(this.settings.intervalMs);
  }

  /** Raises and clears this node's suspicions, republishes them, and re-judges every member. */
  private detect(): void {
    const now = this.clock.now();
    for (const peer of this.peers.values()) {
      const silent = peer.state.status.value !== 'left' && now - peer.lastAdvanceMs > this.settings.suspectTimeoutMs;
      if (silent && !peer.suspected) this.counters.suspicionsRaised++;
      peer.suspected = silent;
    }
    this.publishSuspicions();
    const live = this.liveCount();
    for (const peer of this.peers.values()) this.judge(peer, live);
  }

  /** One round of exchanges; with no live peer, also the seeds (see `trySeeds`). */
  private gossipRound(): void {
    const { targets, anyLive } = this.chooseTargets();
    if (anyLive) {
      this.seedAttempt = undefined;
      this.seedFailures = 0;
    } else {
      this.trySeeds();
    }
    if (targets.length === 0) return;
    const syn = this.syn();
    for (const address of targets) this.send(address, syn);
  }

  private syn(): GossipMessage {
    return { ...this.envelope(), t: 'syn', d: [...this.allStates()].map(digestOf) };
  }

  /**
   * Up to `fanout` live peers, weighted by staleness, plus one unreachable
   * member with probability unreachable / (live + 1): always when none is
   * live, so an isolated node keeps probing its old peers as well as its seeds.
   */
  private chooseTargets(): { targets: string[]; anyLive: boolean } {
    const live: Peer[] = [];
    const unreachable: Peer[] = [];
    for (const peer of this.peers.values()) {
      if (peer.state.status.value === 'left') continue;
      (peer.suspected || peer.judged === 'down' ? unreachable : live).push(peer);
    }
    const now = this.clock.now();
    const interval = this.settings.intervalMs;
    const staleness = (p: Peer): number => 1 + Math.min((now - p.lastHeardMs) / interval, stalenessRoundsMax);
    const chosen = pickWeighted(this.random, live, staleness, this.settings.fanout);
    if (unreachable.length > 0 && this.random.next() < unreachable.length / (live.length + 1)) {
      chosen.push(unreachable[Math.floor(this.random.next() * unreachable.length)] as Peer);
    }
    return { targets: chosen.map((p) => p.state.address.value), anyLive: live.length > 0 };
  }

  /** With no live peer: contact every seed, backing off while none answers. */
  private trySeeds(): void {
    const seeds = this.settings.seeds;
    if (seeds.length === 0) return;
    const now = this.clock.now();
    const attempt = this.seedAttempt;
    if (attempt !== undefined && !attempt.answered && now < attempt.deadlineMs) return;
    if (attempt !== undefined && !attempt.answered) {
      this.seedFailures++;
      this.counters.seedAttemptsFailed++;
    }
    const retryInMs = this.seedRetryMs();
    if (attempt !== undefined && !attempt.answered) this.emit({ type: 'seeds-unreachable', attempts: this.seedFailures, retryInMs });
    this.seedAttempt = { deadlineMs: now + retryInMs, answered: false };
    const syn = this.syn();
    for (const address of seeds) this.send(address, syn);
  }

  /** Exponential backoff with jitter in [½, 1] of the step, so restarted nodes do not retry in lockstep. */
  private seedRetryMs(): number {
    const step = Math.min(seedRetryMsInitial * 2 ** this.seedFailures, seedRetryMsMax);
    return Math.max(this.settings.intervalMs, Math.round(step * (0.5 + this.random.next() / 2)));
  }

  private forgetLeft(): void {
    const now = this.clock.now();
    for (const [id, until] of this.forgotten) if (now >= until.untilMs) this.forgotten.delete(id);
    for (const peer of [...this.peers.values()]) {
      if (peer.leftSinceMs === undefined || now - peer.leftSinceMs < this.settings.leftRetentionMs) continue;
      const { id, generation } = peer.state;
      this.peers.delete(id);
      this.reports.remove(id);
      this.forgotten.set(id, { generation, untilMs: now + this.settings.leftRetentionMs });
      this.emit({ type: 'forgotten', id, generation });
    }
  }

  // ---- messages --------------------------------------------------------------

  private receive(_from: string, raw: unknown): void {
    if (!this.running) return;
    const message = parseMessage(raw);
    if (message === undefined) {
      this.counters.malformedDropped++;
      return;
    }
    if (message.c !== this.settings.cluster || message.f === this.self.id) {
      this.counters.foreignDropped++;
      return;
    }
    this.counters.messagesReceived++;
    this.heardFrom(message);
    if (message.t === 'syn') this.onSyn(message.fa, message.d);
    else if (message.t === 'ack') this.onAck(message.fa, message.u, message.r);
    else this.applyDeltas(message.u);
  }

  private heardFrom(message: GossipMessage): void {
    if (this.seedAttempt !== undefined) this.seedAttempt.answered = true;
    const peer = this.peers.get(message.f);
    if (peer !== undefined && peer.state.generation === message.fg) peer.lastHeardMs = this.clock.now();
  }

  private onSyn(replyTo: string, digest: readonly Digest[]): void {
    // Answered before restamping: a newer copy of our own entry is requested, so a `remove` of us reaches us.
    const { deltas, requests } = answerDigest(this.view, digest);
    this.noticeOwnCopy(digest);
    this.send(replyTo, { ...this.envelope(), t: 'ack', u: this.capDeltas(deltas), r: requests });
  }

  private onAck(replyTo: string, deltas: readonly MemberDelta[], requests: readonly Digest[]): void {
    this.applyDeltas(deltas);
    this.noticeOwnCopy(requests);
    const answer = answerRequests(this.view, requests);
    if (answer.length > 0) this.send(replyTo, { ...this.envelope(), t: 'ack2', u: this.capDeltas(answer) });
  }

  /** A copy of our own entry newer than ours at our generation means we restarted without a new generation; move past it. */
  private noticeOwnCopy(digest: readonly Digest[]): void {
    for (const [id, generation, version] of digest) {
      if (id === this.self.id && generation === this.self.generation && version > this.self.version) {
        this.self = restamp(this.self, version);
      }
    }
  }

  /** Another member wrote this node `left` at its own generation (`remove`): leave as if asked to. */
  private noticeRemoval(delta: MemberDelta): void {
    const st = delta.st;
    if (delta.g !== this.self.generation || st === undefined || st[0] !== 'left' || this.self.status.value === 'left') return;
    this.self = write(restamp(this.self, st[1]), 'status', 'left');
    this.leaveRoundsLeft = leaveAnnounceRounds;
    this.emit({ type: 'removed', by: 'remove' });
  }

  private capDeltas(deltas: MemberDelta[]): MemberDelta[] {
    if (deltas.length <= deltasPerMessageMax) return deltas;
    this.counters.deltasTruncated++;
    const start = Math.floor(this.random.next() * deltas.length);
    return [...deltas.slice(start), ...deltas.slice(0, start)].slice(0, deltasPerMessageMax);
  }

  private applyDeltas(deltas: readonly MemberDelta[]): void {
    const touched = new Set<string>();
    let cleared = false;
    for (const delta of deltas) {
      if (delta.i === this.self.id) {
        this.noticeRemoval(delta);
        continue;
      }
      const forgotten = this.forgotten.get(delta.i);
      if (forgotten !== undefined && delta.g <= forgotten.generation) continue;
      cleared = this.applyDelta(delta, touched) || cleared;
    }
    if (touched.size === 0) return;
    if (cleared) this.publishSuspicions();
    const live = this.liveCount();
    for (const id of touched) {
      const peer = this.peers.get(id);
      if (peer !== undefined) this.judge(peer, live);
    }
  }

  /** Merges one delta; adds affected members to `touched`; true if it cleared a suspicion of ours. */
  private applyDelta(delta: MemberDelta, touched: Set<string>): boolean {
    const peer = this.peers.get(delta.i);
    const result = merge(peer?.state, delta);
    if (result.kind === 'none' || result.state === undefined) return false;
    if (peer === undefined && this.peers.size + 1 >= membersMax) {
      this.counters.membersRefused++;
      return false;
    }
    const now = this.clock.now();
    const state = result.state;
    const target = peer ?? this.addPeer(state, now);
    const wasSuspected = target.suspected;
    target.state = state;
    if (result.heartbeatAdvanced) {
      target.lastAdvanceMs = now;
      target.suspected = false;
    }
    if (result.kind === 'restart') this.restarted(target, now);
    const changed = result.changed.filter((f): f is ChangedField => f !== 'suspects');
    if (changed.length > 0) this.emitChanged(target, changed);
    if (result.kind !== 'update' || result.changed.includes('suspects')) {
      for (const subject of this.reports.set(state.id, state.suspects.value)) touched.add(subject);
    }
    touched.add(state.id);
    return wasSuspected && !target.suspected;
  }

  /** A higher generation: the member is up at once, whatever this node judged of its previous life. */
  private restarted(peer: Peer, now: number): void {
    const own = peer.state.status.value;
    peer.judged = own;
    peer.leftSinceMs = own === 'left' ? now : undefined;
    if (own !== 'left') this.emit({ type: 'up', member: toSnapshot(peer.state, own), restarted: true });
  }

  private addPeer(state: MemberState, now: number): Peer {
    const peer: Peer = { state, lastAdvanceMs: now, lastHeardMs: now, suspected: false, judged: state.status.value, leftSinceMs: undefined };
    this.peers.set(state.id, peer);
    if (state.status.value === 'left') peer.leftSinceMs = now;
    else this.emit({ type: 'joined', member: toSnapshot(state, state.status.value) });
    return peer;
  }

  private emitChanged(peer: Peer, fields: ChangedField[]): void {
    // A move to `left` is reported by `judge` as its own event, not as a change.
    const own = fields.filter((f) => f !== 'status' || peer.state.status.value !== 'left');
    // Judged after this event: report the member's own status unless it is suspected or down here.
    const status = peer.judged === 'suspect' || peer.judged === 'down' ? peer.judged : peer.state.status.value;
    // A move between own statuses (joining/normal/leaving) has no event of its own: judge it now, so a
    // listener reading `snapshot()` during this event sees it (a move to left stays judge's, with its event).
    if (status === peer.state.status.value && status !== 'left') peer.judged = status;
    if (own.length > 0) this.emit({ type: 'changed', member: toSnapshot(peer.state, status), fields: own });
  }

  // ---- judgement -------------------------------------------------------------

  /** Re-judges one member and emits the event of a transition (invariant 4); `live` is `liveCount()`. */
  private judge(peer: Peer, live: number): void {
    const before = peer.judged;
    const reporters = this.reportersOn(peer);
    const own = peer.state.status.value;
    let after: MemberStatus = own;
    if (own !== 'left' && reporters.length >= this.required(peer, live)) after = 'down';
    else if (own !== 'left' && peer.suspected) after = 'suspect';
    if (after === before) return;
    peer.judged = after;
    const member = toSnapshot(peer.state, after);
    if (after === 'left') {
      peer.leftSinceMs ??= this.clock.now();
      this.emit({ type: 'left', member });
    } else if (after === 'down') {
      this.counters.downsDeclared++;
      this.emit({ type: 'down', member, reporters });
    } else if (after === 'suspect') {
      if (before !== 'down') this.emit({ type: 'suspect', member });
    } else if (before === 'suspect' || before === 'down') {
      this.emit({ type: 'up', member, restarted: false });
    }
  }

  /** Invariant 3: the distinct live reporters that suspect `peer` now. */
  private reportersOn(peer: Peer): string[] {
    const out: string[] = peer.suspected ? [this.self.id] : [];
    for (const [reporter, [generation, heartbeat]] of this.reports.reportsOn(peer.state.id)) {
      if (generation !== peer.state.generation || heartbeat < peer.state.heartbeat) continue;
      const r = this.peers.get(reporter);
      if (r === undefined || r.suspected || r.state.status.value === 'left') continue;
      out.push(reporter);
    }
    return out;
  }

  /** Members this node counts as live (not suspected by it, not left), itself included. */
  private liveCount(): number {
    let live = 1;
    for (const peer of this.peers.values()) if (isLive(peer)) live++;
    return live;
  }

  /** Reporters needed to declare `peer` down: `reportersMin`, or all the other live members if fewer. */
  private required(peer: Peer, live: number): number {
    const liveOthers = live - (isLive(peer) ? 1 : 0);
    return Math.max(1, Math.min(this.settings.reportersMin, liveOthers));
  }

  /** Writes this node's suspicions into its own entry when they changed (bounded, see `suspectsPublishedMax`). */
  private publishSuspicions(): void {
    const reports: SuspectReport[] = [];
    for (const peer of this.peers.values()) {
      if (peer.suspected) reports.push([peer.state.id, peer.state.generation, peer.state.heartbeat]);
    }
    const selfId = this.self.id;
    const chosen = reports.length <= suspectsPublishedMax
      ? reports.sort((a, b) => (a[0] < b[0] ? -1 : 1))
      : reports.map((r) => ({ r, h: mix(selfId, r[0]) })).sort((a, b) => a.h - b.h).slice(0, suspectsPublishedMax).map((x) => x.r);
    if (sameReports(chosen, this.self.suspects.value)) return;
    this.self = write(this.self, 'suspects', chosen);
  }

  // ---- plumbing --------------------------------------------------------------

  private *allStates(): Iterable<MemberState> {
    yield this.self;
    for (const peer of this.peers.values()) yield peer.state;
  }

  private envelope(): { c: string; f: string; fg: number; fa: string } {
    return { c: this.settings.cluster, f: this.self.id, fg: this.self.generation, fa: this.self.address.value };
  }

  private send(address: string, message: GossipMessage): void {
    this.counters.messagesSent++;
    this.transport.send(address, message);
  }

  private emit(event: GossipEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private assertRunning(what: string): void {
    if (!this.running) throw new GossipError('not-running', `${what} needs a running gossiper`);
  }
}

function isLive(peer: Peer): boolean {
  return !peer.suspected && peer.state.status.value !== 'left';
}

function toSnapshot(state: MemberState, status: MemberStatus): MemberSnapshot {
  return {
    id: state.id,
    address: state.address.value,
    generation: state.generation,
    heartbeat: state.heartbeat,
    status,
    vnodes: state.vnodes.value,
    weight: state.weight.value,
    zone: state.zone.value,
    meta: state.meta.value,
    dc: state.dc.value,
    machine: state.machine.value,
  };
}

function sameReports(a: readonly SuspectReport[], b: readonly SuspectReport[]): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i]?.[0] && r[1] === b[i]?.[1] && r[2] === b[i]?.[2]);
}

/** A 32-bit FNV-1a of (reporter, subject): each reporter's own order of subjects when it must publish only some. */
function mix(reporter: string, subject: string): number {
  let h = 0x811c9dc5;
  const s = `${reporter}\u0000${subject}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function checkOptions(o: GossipOptions): Settings {
  const bad = (what: string): never => {
    throw new GossipError('invalid-argument', what);
  };
  if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > idLengthMax) bad(`id must be 1..${idLengthMax} characters`);
  if (!Number.isSafeInteger(o.generation) || o.generation < 0) bad('generation must be a non-negative safe integer');
  checkMemberFields({ address: o.address, vnodes: o.vnodes ?? 64, weight: o.weight ?? 1, zone: o.zone ?? '', meta: o.meta ?? '', dc: o.dc ?? '', machine: o.machine ?? '' });
  const settings: Settings = {
    cluster: o.clusterName ?? 'ringkv',
    intervalMs: o.intervalMs ?? gossipIntervalMsDefault,
    fanout: o.fanout ?? fanoutDefault,
    suspectTimeoutMs: o.suspectTimeoutMs ?? suspectTimeoutMsDefault,
    reportersMin: o.reportersMin ?? reportersMinDefault,
    leftRetentionMs: o.leftRetentionMs ?? leftRetentionMsDefault,
    seeds: (o.seeds ?? []).filter((s) => s !== o.address),
  };
  if (settings.cluster.length > clusterNameLengthMax) bad(`clusterName longer than ${clusterNameLengthMax}`);
  if (!(settings.intervalMs > 0)) bad('intervalMs must be positive');
  if (!(Number.isInteger(settings.fanout) && settings.fanout >= 1 && settings.fanout <= fanoutMax)) bad(`fanout must be an integer in [1, ${fanoutMax}]`);
  if (!(settings.suspectTimeoutMs > 0)) bad('suspectTimeoutMs must be positive');
  if (!(Number.isInteger(settings.reportersMin) && settings.reportersMin >= 1)) bad('reportersMin must be a positive integer');
  if (!(settings.leftRetentionMs >= 0)) bad('leftRetentionMs must be non-negative');
  return settings;
}

/** The fields a member writes about itself. */
interface MemberFields {
  address?: string;
  vnodes?: number;
  weight?: number;
  zone?: string;
  meta?: string;
  dc?: string;
  machine?: string;
}

function checkMemberFields(f: MemberFields): void {
  const bad = (what: string): never => {
    throw new GossipError('invalid-argument', what);
  };
  if (f.address !== undefined && (typeof f.address !== 'string' || f.address.length === 0 || f.address.length > addressLengthMax)) bad(`address must be 1..${addressLengthMax} characters`);
  if (f.vnodes !== undefined && !(Number.isInteger(f.vnodes) && f.vnodes >= 0 && f.vnodes <= vnodesMax)) bad(`vnodes must be an integer in [0, ${vnodesMax}]`);
  if (f.weight !== undefined && !(Number.isInteger(f.weight) && f.weight >= 1 && f.weight <= weightMax)) bad(`weight must be an integer in [1, ${weightMax}]`);
  if (f.zone !== undefined && (typeof f.zone !== 'string' || f.zone.length > zoneLengthMax)) bad(`zone must be at most ${zoneLengthMax} characters`);
  if (f.meta !== undefined && (typeof f.meta !== 'string' || f.meta.length > metaLengthMax)) bad(`meta must be at most ${metaLengthMax} characters`);
  if (f.dc !== undefined && (typeof f.dc !== 'string' || f.dc.length > dcLengthMax)) bad(`dc must be at most ${dcLengthMax} characters`);
  if (f.machine !== undefined && (typeof f.machine !== 'string' || f.machine.length > machineLengthMax)) bad(`machine must be at most ${machineLengthMax} characters`);
}
