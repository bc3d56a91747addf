/**
 * The cluster core of a node: membership → ring → coordinator → replica
 * store → hints. Free of ws and http: it runs on an injected clock, random,
 * gossip transport and peer port, so the same code can run under @ringkv/sim.
 *
 * Request flow (README, "Request flow"):
 *   - a write whose key's preference list (N nodes) does not hold this node
 *     is forwarded to the first live node of that list, once; a node that
 *     received a forwarded request never forwards it again;
 *   - otherwise the quorum Coordinator runs it (reads are coordinated by
 *     whichever node received them: quorum lets any node coordinate a read);
 *   - results map to protocol replies: `ok` → reply, `quorum-not-met` →
 *     error `quorum-not-met`, `indeterminate` → error `timeout`.
 *
 * Invariants:
 *   1. Every request has a deadline (the client's `timeoutMs`, else
 *      `requestTimeoutMs`); the coordinator and every peer call settle by it.
 *   2. The ring and down set change only on gossip events and topology's
 *      own status announcements (RingView); every placement change reaches
 *      the ring listeners, whoever updated the view.
 *   3. A forwarded request is forwarded at most once (one hop).
 *   4. Requests run with `effectiveN()` = min(N, the most replicas a ring
 *      this node has seen gave a key — members owning tokens, counting each
 *      machine once (per DC with a replication map) —, persisted) replicas
 *      (the persisted name is still members-seen), as Riak clamps n_val
 *      to a smaller cluster: a lone first node with N=3 serves at the
 *      default R=W=2 capped to 1, while a cluster that once had three
 *      members never counts fewer (two killed, or a restart alone, does not
 *      let W=2 be met by one node).
 *   5. A node started with seeds knows only itself until gossip hears from
 *      the cluster, so its ring would place every key on itself alone and
 *      every write would fail `quorum-not-met` at once (issue 15, item 10:
 *      1,565 of 54,773 writes in the seconds after a restart). Until gossip
 *      has learned another member, or found that no seed answers, a client
 *      op waits for it, at most half of its deadline, and then runs with
 *      what the view holds, in the deadline's remainder.
 */
import { Gossip, type GossipEvent, type Random, type Transport } from '@ringkv/gossip';
import { Coordinator, HintedHandoff, isQuorumError, type Clock, type Receipt, type WriteResult } from '@ringkv/quorum';
import { errorFrame, isProtocolError, protocolError, type ConsistencyLevel, type Key, type PeerCall, type PeerMessage, type RequestOptions, type ScanOkMessage, type ScanRequest, type WireCodec, type WireReceipt } from '@ringkv/protocol';
import type { Level } from '@ringkv/quorum';
import { decodeContext, encodeContext, type VClock } from '@ringkv/vclock';
import type { NodeLogger } from '../log.js';
import * as L from '../limits.js';
import { toProtocolError } from '../store/failures.js';
import { toGetResult, type ReplicaStore } from '../store/replica-store.js';
import { decodePeerSet, encodeSet, storedValue, type StoredSet, type StoredValue } from '../store/set-codec.js';
import type { EngineHintStore } from './hint-store.js';
import { conditionOf, judgeCondition, type WriteCondition } from './conditional.js';
import { isOneReply, levelCount, requestLevel } from './levels.js';
import { applyLocally, fetchLocally, ReplicaPort, type PeerPort } from './replicas.js';
import { DcDirectory } from './dc-directory.js';
import { DcRelayClient, newRelayCounters, type RelayCounters } from './dc-relay.js';
import { serveRelay, type RelayServeDeps } from './relay-serve.js';
import { RingView } from './ring-view.js';
import { replicationOf, type ClusterSettings } from './settings.js';
import { deadlineMsOf, notOk, quorumToProtocol, tooFewReplicas } from './op-outcomes.js';
import type { ClusterCounters, ClusterOp, KeyScans, OpReply, TopologyCall } from './ops.js';

export type { ClusterCounters, ClusterOp, KeyScans, OpReply, TopologyCall } from './ops.js';

/** What the core is built from. */
export interface ClusterCoreOptions {
  readonly id: string;
  /** This node's address for peers and clients (its ws URL). */
  readonly address: string;
  readonly generation: number;
  readonly settings: ClusterSettings;
  readonly store: ReplicaStore;
  readonly hints: EngineHintStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly transport: Transport;
  readonly peers: PeerPort;
  /** The client codec: forwarded requests and their replies are client frames. */
  readonly codec: WireCodec;
  readonly log: NodeLogger;
  /** Gossip's status at start: `joining` for a node streaming its ranges in (default `normal`). */
  readonly initialStatus?: 'joining' | 'normal';
  /** The members-seen high-water mark at start (invariant 4; default 1). */
  readonly membersSeen?: number;
  /** Called with each new members-seen high-water mark (node-core persists it). */
  readonly onMembersSeen?: (count: number) => void;
  /**
   * This node's cluster settings as one line (agreement.ts `settingsLine`),
   * published in its gossip entry (`meta`) so every member can tell a peer
   * that runs with other settings (default '': none published).
   */
  readonly settingsLine?: string;
}

/**
 * The node's cluster core (module comment: flow and invariants).
 *
 * When to use: one per node, built after the store and hint store are open
 * and the node's address is known; `start()` once, `stop()` on shutdown.
 * The server calls `run` for client ops and `onCall` for peer calls.
 * Gotcha: `run` rejects only with ProtocolErrors (quorum errors are mapped);
 * `onCall` never rejects.
 */
export class ClusterCore {
  readonly view: RingView;
  readonly gossip: Gossip;
  readonly coordinator: Coordinator<StoredValue>;
  readonly handoff: HintedHandoff<StoredValue>;
  readonly counters: ClusterCounters = { forwardedOut: 0, forwardedIn: 0, forwardFailures: 0, ringChanges: 0, pendingWrites: 0, pendingHints: 0 };
  /** WAN relaying counters, both sides (dc-relay.ts, relay-serve.ts). */
  readonly relayCounters: RelayCounters = newRelayCounters();
  /** Member → DC, from the view: what is remote for relaying and for the WAN byte count. */
  readonly dcs: DcDirectory;
  private readonly replicas: DcRelayClient;
  private readonly relayServe: RelayServeDeps;
  private readonly ringListeners: ((version: number) => void)[] = [];
  private readonly gossipTaps: ((message: unknown) => void)[] = [];
  private topology: ((call: TopologyCall) => Promise<PeerMessage>) | undefined;
  private keyScans: KeyScans | undefined;
  private antiEntropy: ((call: Extract<PeerCall, { type: 'tree-nodes' | 'range-sets' | 'key-sets' | 'sync-sets' }>) => Promise<PeerMessage>) | undefined;
  private readonly s: ClusterSettings;
  private membersSeen: number;
  private replicasCache: { ring: unknown; count: number } = { ring: undefined, count: 0 };
  /** False from start until gossip learned another member or found no seed answering (invariant 5). */
  private placementKnown: boolean;
  private readonly placementWaiters = new Set<() => void>();
  /** The cluster settings in force. */
  get settings(): ClusterSettings {
    return this.s;
  }

  constructor(private readonly o: ClusterCoreOptions) {
    const s = (this.s = o.settings);
    this.membersSeen = Math.max(1, o.membersSeen ?? 1);
    this.placementKnown = s.seeds.length === 0;
    const status = o.initialStatus ?? 'normal';
    this.view = new RingView({ id: o.id, address: o.address, generation: o.generation, heartbeat: 0, status, vnodes: s.vnodes, weight: s.weight, zone: s.zone, dc: s.dc ?? '', machine: s.machine ?? '' });
    const addressOf = (id: string): string | undefined => this.view.addressOf(id);
    this.dcs = new DcDirectory(this.view, s.dc ?? '');
    this.replicas = new DcRelayClient({
      selfId: o.id, selfDc: s.dc ?? '', dcOf: (id) => this.dcs.dcOf(id), addressOf, peers: o.peers, clock: o.clock, enabled: s.wanRelay !== false, counters: this.relayCounters,
      direct: new ReplicaPort(o.id, addressOf, o.peers, o.store, o.hints, o.clock),
    });
    this.relayServe = { selfId: o.id, store: o.store, hints: o.hints, clock: o.clock, peers: o.peers, addressOf, keyBytesMax: L.keyBytesMax, counters: this.relayCounters };
    this.gossip = new Gossip({
      id: o.id, address: o.address, generation: o.generation, clock: o.clock, random: o.random, transport: this.tappedTransport(o.transport),
      seeds: s.seeds, clusterName: s.clusterName, vnodes: s.vnodes, weight: s.weight, zone: s.zone, dc: s.dc ?? '', machine: s.machine ?? '', initialStatus: status,
      intervalMs: s.gossipIntervalMs, suspectTimeoutMs: s.gossipIntervalMs * L.suspectRounds, meta: o.settingsLine ?? '',
    });
    this.coordinator = new Coordinator<StoredValue>({
      nodeId: o.id, ring: () => this.view.ring, down: () => this.view.down, clock: o.clock, hints: o.hints, replicas: this.replicas,
      local: { update: (key, context, payload) => o.store.update(key, context, payload) },
      defaults: { n: s.n, r: s.r, w: s.w, mode: s.mode, timeoutMs: s.requestTimeoutMs }, dc: s.dc ?? '', readRepair: s.readRepair ?? 'local',
      ...(s.replicas === undefined || typeof s.replicas === 'number' ? {} : { replicationMap: s.replicas }),
    });
    this.handoff = new HintedHandoff<StoredValue>({
      store: o.hints, replicas: this.replicas, clock: o.clock, down: () => this.view.down, hintTtlMs: s.hintTtlMs,
      sweepIntervalMs: Math.min(10_000, Math.max(1_000, s.gossipIntervalMs * 10)), sendTimeoutMs: s.requestTimeoutMs,
    });
    this.gossip.on(this.onGossip);
    this.view.onPlacementChange = this.onPlacementChange;
  }

  /** Takes the first view, then starts gossip rounds and the handoff sweep. */
  start(): void {
    this.view.update(this.gossip.snapshot());
    this.gossip.start();
    this.handoff.start();
  }

  /** Sets who serves the anti-entropy peer calls (node.ts wires the AntiEntropy service). */
  serveAntiEntropy(handler: (call: Extract<PeerCall, { type: 'tree-nodes' | 'range-sets' | 'key-sets' | 'sync-sets' }>) => Promise<PeerMessage>): void {
    this.antiEntropy = handler;
  }

  /** Sets who serves key listing: client `scan` pages and peer `scan-range` calls (node-core wires the KeyScanService). */
  serveKeyScans(scans: KeyScans): void {
    this.keyScans = scans;
  }

  /** One page of a client's `scan` (scan/key-scan.ts); rejects only with ProtocolErrors. */
  async scan(request: ScanRequest): Promise<Omit<ScanOkMessage, 'id'>> {
    if (this.keyScans === undefined) throw protocolError('unavailable', 'key listing is not served by this node');
    try {
      return await this.keyScans.page(request);
    } catch (error) {
      throw toProtocolError(error);
    }
  }

  /** Sets who serves the topology peer calls (node-core wires the TopologyService). */
  serveTopology(handler: (call: TopologyCall) => Promise<PeerMessage>): void {
    this.topology = handler;
  }

  /**
   * Calls `listener` with every gossip message this node receives, before
   * gossip handles it (raw: check it with gossip's `parseMessage`). A joining
   * node reads from its peers' digests which of them already know it (topology).
   */
  onGossipMessage(listener: (message: unknown) => void): void {
    this.gossipTaps.push(listener);
  }

  /** `transport` with incoming messages shown to the gossip taps first. */
  private tappedTransport(transport: Transport): Transport {
    return {
      send: (to, message) => transport.send(to, message),
      onMessage: (handler) =>
        transport.onMessage((from, message) => {
          for (const tap of this.gossipTaps) tap(message);
          handler(from, message);
        }),
    };
  }

  /** Calls `listener` with the new version whenever the ring placement changes (the server pushes `ring-changed`). */
  onRingChange(listener: (version: number) => void): void {
    this.ringListeners.push(listener);
  }

  /** Stops gossip (no leave: a stopped node is expected back), handoff and the coordinator. */
  stop(): void {
    this.gossip.stop();
    this.handoff.stop();
    this.coordinator.stop();
  }

  /** The view's placement changed (a gossip event, or topology updating the view itself): tell the listeners. */
  private readonly onPlacementChange = (): void => {
    this.counters.ringChanges++;
    this.o.log.info({ members: this.view.ring.size, version: this.view.version }, 'ring changed');
    for (const listener of this.ringListeners) listener(this.view.version);
  };

  private readonly onGossip = (e: GossipEvent): void => {
    if (e.type === 'seeds-unreachable') {
      this.o.log.warn({ attempts: e.attempts, retryInMs: e.retryInMs }, 'no seed answered');
      this.markPlacementKnown();
      return;
    }
    const members = this.gossip.snapshot();
    this.view.update(members);
    if (members.length > 1) this.markPlacementKnown();
    if (e.type === 'up') {
      // A member back up: its link may still be backing off from the failures while it was down.
      const address = this.view.addressOf(e.member.id);
      if (address !== undefined) this.o.peers.reconnectNow?.(address);
      void this.handoff.onUp(e.member.id).catch(() => {});
    }
    if ((e.type === 'joined' || e.type === 'up' || e.type === 'changed') && this.disagrees(e.member.meta) && !this.warnedSettings.has(`${e.member.id} ${e.member.meta ?? ''}`)) {
      this.warnedSettings.add(`${e.member.id} ${e.member.meta ?? ''}`);
      this.o.log.error({ member: e.member.id, theirs: e.member.meta, ours: this.o.settingsLine }, 'a member runs with other cluster settings');
    }
  };

  /** Members seen once with settings other than this node's: logged once each. */
  private readonly warnedSettings = new Set<string>();

  private disagrees(meta: string | undefined): boolean {
    return meta !== undefined && meta !== '' && this.o.settingsLine !== undefined && this.o.settingsLine !== '' && meta !== this.o.settingsLine;
  }

  /**
   * The members whose gossiped cluster settings differ from this node's (a
   * node that founded its own settings because no seed answered at its first
   * start, or two clusters seeded into each other): with their settings line.
   * Members that publish none (older nodes) are not listed.
   */
  disagreeingMembers(): { id: string; settings: string }[] {
    return this.gossip.snapshot().filter((m) => m.id !== this.o.id && m.status !== 'left' && this.disagrees(m.meta)).map((m) => ({ id: m.id, settings: m.meta ?? '' }));
  }

  private markPlacementKnown(): void {
    if (this.placementKnown) return;
    this.placementKnown = true;
    for (const wake of this.placementWaiters) wake();
    this.placementWaiters.clear();
  }

  /** Resolves once the placement is known (invariant 5) or `waitMs` passed; with the time it waited. */
  private untilPlacementKnown(waitMs: number): Promise<number> {
    const startedMs = this.o.clock.now();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.o.clock.clearTimer(timer);
        this.placementWaiters.delete(wake);
        resolve(this.o.clock.now() - startedMs);
      };
      const timer = this.o.clock.setTimer(waitMs, wake);
      this.placementWaiters.add(wake);
    });
  }

  // ------------------------------------------------------------ client side

  /** Runs one client op here or on a replica; never rejects with anything but a ProtocolError. */
  async run(op: ClusterOp, options: RequestOptions | undefined, forwarded: boolean): Promise<OpReply> {
    try {
      return await this.runOp(op, options, forwarded);
    } catch (error) {
      throw toProtocolError(isQuorumError(error) ? quorumToProtocol(error.code, error.message) : error);
    }
  }

  /**
   * Replicas a key has now: N, or, while this node has never seen a ring
   * giving keys that many, the most it has seen (module invariant 4). It
   * never decreases: down, left or removed members keep it. A key's replicas
   * are on distinct machines (per DC, with a replication map), so nodes
   * sharing a machine count once.
   */
  effectiveN(): number {
    const size = this.replicasInRing();
    if (size > this.membersSeen) {
      this.membersSeen = size;
      this.o.onMembersSeen?.(size);
    }
    return Math.min(this.s.n, this.membersSeen);
  }

  /** How many replicas every key has in the current ring (all keys have as many); cached per ring. */
  private replicasInRing(): number {
    const ring = this.view.ring;
    if (this.replicasCache.ring !== ring) this.replicasCache = { ring, count: ring.size === 0 ? 0 : ring.preferenceListAt(0n, replicationOf(this.s)).length };
    return this.replicasCache.count;
  }

  /**
   * A get answered synchronously when the node is alone (the ring is just
   * this node, R is 1, no receipt asked): the coordinator would read only the
   * local store. `undefined` when the get needs the coordinator. Throws a
   * ProtocolError (an unmeetable R, a corrupt record) like `run` rejects.
   */
  readNow(op: Extract<ClusterOp, { type: 'get' }>, options: RequestOptions | undefined): OpReply | undefined {
    const r = this.level('r', options?.r, this.s.r);
    // A held replica (its log lost acknowledged writes, store/log-loss.ts) answers through the coordinator, which refuses its copy.
    if (options?.receipt === true || this.view.ring.size !== 1 || !isOneReply(r, this.effectiveN()) || this.o.store.readHold.held) return undefined;
    try {
      return { type: 'get-ok', ...this.o.store.read(op.key, this.o.clock.now()) };
    } catch (error) {
      throw toProtocolError(error);
    }
  }

  private async runOp(op: ClusterOp, options: RequestOptions | undefined, forwarded: boolean): Promise<OpReply> {
    let timeoutMs = Math.min(options?.timeoutMs ?? this.s.requestTimeoutMs, L.requestTimeoutMsLimit);
    const receipt = options?.receipt === true;
    if (op.type === 'get') {
      const now = this.readNow(op, options);
      if (now !== undefined) return now;
    }
    if (!this.placementKnown) timeoutMs = Math.max(1, timeoutMs - (await this.untilPlacementKnown(timeoutMs / 2)));
    if (op.type === 'get') {
      const r = this.level('r', options?.r, this.s.r);
      const result = await this.coordinator.get(op.key, { n: this.effectiveN(), r, timeoutMs });
      if (result.status === 'quorum-not-met' && result.reason === 'too-few-replicas') throw tooFewReplicas('read', 'r', r, result.required);
      if (result.status !== 'ok') throw notOk(result.status, 'read', result.status === 'quorum-not-met' ? result.replies : 0, result.required);
      return { type: 'get-ok', ...toGetResult(result.set, this.o.clock.now()), ...this.receiptOf(result.receipt, receipt, forwarded) };
    }
    const w = this.level('w', options?.w, this.s.w);
    if (!forwarded && !this.view.ring.preferenceList(op.key, replicationOf(this.s)).includes(this.o.id)) return this.forward(op, options, timeoutMs);
    const clientContext: VClock = op.context === undefined || op.context.length === 0 ? [] : decodeContext(op.context);
    const condition = conditionOf(op);
    const startedMs = this.o.clock.now();
    const context = condition === undefined ? clientContext : await this.checkCondition(op.key, condition, clientContext, w, timeoutMs);
    timeoutMs = Math.max(1, timeoutMs - (this.o.clock.now() - startedMs));
    // No receipt asked, none built (quorum WriteCall.receipt).
    const call = { context, n: this.effectiveN(), w, timeoutMs, receipt };
    const result: WriteResult<StoredValue> =
      op.type === 'put'
        ? await this.coordinator.put(op.key, storedValue(op.value, op.valueEncoding === 'msgpack'), op.ttlMs === undefined ? call : { ...call, ttlMs: op.ttlMs })
        : await this.coordinator.delete(op.key, call);
    if (result.status === 'quorum-not-met' && result.reason === 'too-few-replicas') throw tooFewReplicas('write', 'w', w, result.required);
    if (result.status !== 'ok') throw notOk(result.status, 'write', result.acks, result.required);
    await this.writePending(op.key, deadlineMsOf(this.o.clock.now(), timeoutMs));
    const reply = { type: op.type === 'put' ? ('put-ok' as const) : ('delete-ok' as const), context: encodeContext(result.context) };
    return receipt ? { ...reply, ...this.receiptOf(result.receipt, receipt, forwarded) } : reply;
  }

  /**
   * The read of a conditional write (conditional.ts): the key from `w`
   * replicas (R = W), judged by this node's clock. Resolves with the context
   * to write with; rejects with `condition-failed` carrying the versions
   * read, or as a read would (`quorum-not-met`, `timeout`, `unavailable`):
   * nothing was written then.
   */
  private async checkCondition(key: Key, condition: WriteCondition, clientContext: VClock, w: Level, timeoutMs: number): Promise<VClock> {
    const read = await this.coordinator.get(key, { n: this.effectiveN(), r: w, timeoutMs });
    if (read.status === 'quorum-not-met' && read.reason === 'too-few-replicas') throw tooFewReplicas('read', 'r', w, read.required);
    if (read.status !== 'ok') throw notOk(read.status, 'read', read.status === 'quorum-not-met' ? read.replies : 0, read.required);
    const now = this.o.clock.now();
    const verdict = judgeCondition(condition, read.set, clientContext, now);
    if (verdict.granted) return verdict.context;
    throw protocolError('condition-failed', `${verdict.reason}; nothing was written`, { current: toGetResult(read.set, now) });
  }

  /**
   * A restore (issue 18, `POST /admin/restore`): merges `set` into every
   * replica of `key` (its preference list under the cluster's replication,
   * as writes and forwards place it); a replica that
   * is down or fails gets a durable hint, as a write's would. Resolves with
   * how many replicas took the set, how many got a hint instead, and how
   * many neither (the hint could not be stored).
   */
  async restoreSet(key: Key, set: StoredSet, deadlineMs: number): Promise<{ acked: number; hinted: number; failed: number }> {
    const targets = this.view.ring.preferenceList(key, replicationOf(this.s));
    const out = { acked: 0, hinted: 0, failed: 0 };
    await Promise.all(
      targets.map(async (target) => {
        out[await this.applyOrHint(target, key, set, deadlineMs)]++;
      }),
    );
    return out;
  }

  /**
   * Sends `set` to replica `target` (the local store when it is this node);
   * a target that is down or fails gets a durable hint instead. Never rejects:
   * says which happened (`failed`: the hint could not be stored either).
   */
  private async applyOrHint(target: string, key: Key, set: StoredSet, deadlineMs: number): Promise<'acked' | 'hinted' | 'failed'> {
    try {
      if (target !== this.o.id && this.view.down.has(target)) throw protocolError('unavailable', `${target} is down`);
      await this.replicas.apply(target, key, set, { deadlineMs });
      return 'acked';
    } catch {
      return this.o.hints.put(target, key, set, this.o.clock.now()).then(
        () => 'hinted' as const,
        () => 'failed' as const,
      );
    }
  }

  /**
   * During a join or leave, sends the key's stored set (this coordinator's
   * write merged in) to each pending replica — not counted toward W — and
   * keeps a durable hint for any that does not take it, so a write made while
   * a node streams its ranges in (or out) reaches the new owner.
   */
  private async writePending(key: Key, deadlineMs: number): Promise<void> {
    const pending = this.view.pendingReplicas(key, replicationOf(this.s)).filter((id) => id !== this.o.id);
    if (pending.length === 0) return;
    const set = this.o.store.readSet(key);
    if (set === undefined) return;
    await Promise.all(
      pending.map(async (target) => {
        this.counters.pendingWrites++;
        if ((await this.applyOrHint(target, key, set, deadlineMs)) !== 'acked') this.counters.pendingHints++;
      }),
    );
  }

  /** A read level as a count of replies over all replicas (`levelCount`), as a scan reads each run at it. Throws `unavailable` for a count that cannot be met. */
  readLevel(level: ConsistencyLevel | undefined): number {
    return levelCount(this.level('r', level, this.s.r), this.effectiveN());
  }

  /** A request's level for the coordinator (levels.ts), counts checked against `effectiveN()`. */
  private level(name: 'r' | 'w', level: ConsistencyLevel | undefined, fallback: number): Level {
    return requestLevel(name, level, fallback, this.effectiveN(), this.s.n);
  }

  private receiptOf(r: Receipt | undefined, wanted: boolean, forwarded: boolean): { receipt?: WireReceipt } {
    if (!wanted) return {};
    if (r === undefined) throw new Error('node-server: assertion failed: a receipt was asked for and the coordinator built none');
    return {
      receipt: {
        coordinator: this.o.id, forwarded, op: r.op, n: r.n, mode: r.mode,
        ...(r.r === undefined ? {} : { r: r.r }), ...(r.w === undefined ? {} : { w: r.w }), ...(r.level === undefined ? {} : { level: r.level }),
        replicas: r.replicas.map((x) => ({
          node: x.node, role: x.role, outcome: x.outcome, ...(x.dc === '' ? {} : { dc: x.dc }),
          ...(x.hintFor === undefined ? {} : { hintFor: x.hintFor }),
          ...(x.latencyMs === undefined ? {} : { latencyMs: Math.max(0, Math.round(x.latencyMs)) }),
          ...(x.error === undefined ? {} : { error: x.error.slice(0, 500) }),
        })),
        siblingsReconciled: r.siblingsReconciled, readRepair: [...r.readRepair.targets], localHints: [...r.localHints],
        elapsedMs: Math.max(0, Math.round(r.elapsedMs)),
      },
    };
  }

  /**
   * Sends a write to a node of its preference list (one hop) and relays its
   * reply: live nodes first (those of this node's DC before others, so a
   * write crosses no WAN it need not), in preference order; the next one is tried only
   * when a call was refused before being sent (`unavailable`), never after a
   * call that may have been applied.
   */
  private async forward(op: ClusterOp, options: RequestOptions | undefined, timeoutMs: number): Promise<OpReply> {
    const list = this.view.ring.preferenceList(op.key, replicationOf(this.s));
    const local = (id: string): boolean => (this.view.ring.node(id)?.dc ?? '') === (this.s.dc ?? '');
    const live = list.filter((id) => !this.view.down.has(id));
    const order = [...live.filter(local), ...live.filter((id) => !local(id)), ...list.filter((id) => this.view.down.has(id))];
    const frame = this.o.codec.encode({ ...op, id: 0, options: { ...options, timeoutMs } } as Parameters<WireCodec['encode']>[0]);
    const deadlineMs = this.o.clock.now() + timeoutMs;
    let last: unknown = protocolError('unavailable', 'no replica of this key is known');
    for (const target of order) {
      const address = this.view.addressOf(target);
      const leftMs = deadlineMs - this.o.clock.now();
      if (address === undefined || leftMs <= 0) continue;
      this.counters.forwardedOut++;
      try {
        return this.relay(target, await this.o.peers.call(address, { type: 'forward', request: frame }, leftMs + L.forwardSlackMs));
      } catch (error) {
        this.counters.forwardFailures++;
        last = error;
        if (!(isProtocolError(error) && error.code === 'unavailable')) break;
      }
    }
    throw last;
  }

  /** The client reply inside a forward-ok, as this node's reply body. */
  private relay(target: string, reply: PeerMessage): OpReply {
    if (reply.type !== 'forward-ok') throw protocolError('internal', `${target} answered forward with ${reply.type}`);
    const decoded = this.o.codec.decode(reply.reply);
    if (!decoded.ok) throw protocolError('internal', `${target} sent an unreadable reply: ${decoded.error.message}`);
    const m = decoded.message;
    if (m.type === 'error') throw protocolError(m.code, `via ${target}: ${m.message}`, { current: m.current });
    if (m.type !== 'put-ok' && m.type !== 'delete-ok' && m.type !== 'get-ok') throw protocolError('internal', `${target} answered with ${m.type}`);
    const { id: _id, ...body } = m;
    return body as OpReply;
  }

  // ----------------------------------------------------------- replica side

  /** Serves one peer call; never rejects (failures are peer-error replies). */
  async onCall(from: string, call: PeerCall): Promise<PeerMessage> {
    try {
      switch (call.type) {
        case 'apply':
          await applyLocally(this.o.store, this.o.hints, this.o.clock, call.key, decodePeerSet(call.set), call.hintFor, call.hintStampMs);
          return { type: 'apply-ok', id: call.id };
        case 'fetch': {
          const set = fetchLocally(this.o.store, this.o.hints, call.key, call.hintFor);
          return set === undefined ? { type: 'fetch-ok', id: call.id } : { type: 'fetch-ok', id: call.id, set: encodeSet(set) };
        }
        case 'forward':
          return { type: 'forward-ok', id: call.id, reply: await this.serveForward(from, call.request, call.timeoutMs) };
        case 'relay':
          return await serveRelay(this.relayServe, call);
        case 'stream-range':
        case 'stream-push':
        case 'stream-check':
        case 'range-stats':
          if (this.topology === undefined) throw protocolError('unavailable', 'topology changes are not served by this node');
          return await this.topology(call);
        case 'scan-range':
          if (this.keyScans === undefined) throw protocolError('unavailable', 'key listing is not served by this node');
          return await this.keyScans.onCall(call);
        case 'tree-nodes':
        case 'range-sets':
        case 'key-sets':
        case 'sync-sets':
          if (this.antiEntropy === undefined) throw protocolError('unavailable', 'anti-entropy is not running on this node');
          return await this.antiEntropy(call);
      }
    } catch (error) {
      const e = toProtocolError(error);
      return { type: 'peer-error', id: call.id, code: e.code, message: e.message.replace(/^protocol: /, '').slice(0, 1000) };
    }
  }

  /** A forwarded client frame: run it here (never forwarded again) and answer with a client reply frame. */
  private async serveForward(from: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const decoded = this.o.codec.decode(request);
    if (!decoded.ok) throw decoded.error;
    const m = decoded.message;
    if (m.type !== 'get' && m.type !== 'put' && m.type !== 'delete') throw protocolError('invalid-message', `${from} forwarded a ${m.type}`);
    this.counters.forwardedIn++;
    const options = { ...m.options, timeoutMs: Math.min(m.options?.timeoutMs ?? timeoutMs, timeoutMs) };
    try {
      const body = await this.run(m, options, true);
      return this.o.codec.encode({ ...body, id: m.id } as Parameters<WireCodec['encode']>[0]);
    } catch (error) {
      const e = toProtocolError(error);
      return this.o.codec.encode({ ...errorFrame(e, m.id), message: e.message.replace(/^protocol: /, '').slice(0, 1000) });
    }
  }
}
