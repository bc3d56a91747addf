/**
 * Token-aware routing: the ring learned from the node, a bounded pool of
 * connections (one dispatcher per node), and the choice of the connection
 * for each request.
 *
 * Concurrency: single-threaded (event loop). At most one ring fetch is in
 * flight; a refresh asked for meanwhile runs once it ends.
 * Invariants:
 *   1. A request goes to the first member of its key's preference list that
 *      is routable (normal or leaving) and whose pooled connection is open;
 *      else over the seed connection, whose node forwards it. Routing never
 *      delays a request: a pooled connection opens in the background and is
 *      used once it is open.
 *   2. At most `poolConnectionsMax` pooled dispatchers exist; a member that
 *      left the ring (or changed its URL) has its dispatcher closed at the
 *      next refresh.
 *   3. A read (or ring fetch) that failed because its pooled connection was
 *      lost is sent once more, to the next choice; a write never is (it may
 *      have been applied: the caller sees it as indeterminate).
 *   4. After `close()` no dispatcher is open and no timer is armed.
 *   6. With `dc` (`connect(seeds, { dc })`), a request goes only to a node of
 *      that DC (dc-routing.ts), the seed included only when its node is in
 *      the DC; when none is connected it waits for one (until its timeout)
 *      and then fails with `dc-unreachable`, never sent elsewhere, unless
 *      `dcFailover` is set: then it is routed as without `dc`. Before the
 *      first ring (or with a node that does not know `ring`) the DC of a
 *      node is unknown and requests use the seed connection. A request
 *      without a key (a scan page, `keyless`) follows the same rules, with
 *      any node of the DC for the key's replicas; without `dc` it uses the
 *      seed connection.
 *   5. Every ring fetch asks the seed's node to watch (`watch: true`), so
 *      each seed connection (a reconnect refetches) is subscribed to
 *      `ring-changed`. A push whose version equals the table's is stale and
 *      ignored; any other starts a fetch at once (coalesced with one in
 *      flight). The periodic refresh stays as the fallback for pushes lost
 *      with a connection and for liveness changes, which are not pushed.
 */
import type { BatchOp, Key, RequestOptions, RingOkMessage } from '@ringkv/protocol';
import { Dispatcher, type DispatchOp, type DispatchOpts, type Finish, type ReplyOf, type ClientSettings } from './client.js';
import { dcMembers, dcRouteOrder } from './dc-routing.js';
import { isRingkvError, RingkvError } from './errors.js';
import type { WebSocketFactory } from './ports.js';
import { RingTable } from './ring-table.js';
import type { ClientOptions, RequestOpts, Routing } from './types.js';

type KeyReply = 'get-ok' | 'put-ok' | 'delete-ok';

/** Codes by which a node says it does not know the `ring` request. */
const unsupportedCodes: ReadonlySet<string> = new Set(['unknown-type', 'invalid-message', 'malformed-frame']);

/** Settings of the routing layer. */
export interface RouterSettings {
  readonly routing: Routing;
  readonly ringRefreshMs: number;
  readonly poolConnectionsMax: number;
  /** Route only to nodes of this DC (invariant 6). */
  readonly dc: string | undefined;
  readonly dcFailover: boolean;
}

/**
 * The client's transport: the seed dispatcher plus the pool.
 *
 * When to use: one per `RingkvClient`; `RingkvClient` calls `request` for
 * every operation.
 */
export class Router {
  private table: RingTable | undefined;
  private readonly pool = new Map<string, Dispatcher>();
  private refreshTimer: unknown;
  private fetching: Promise<void> | undefined;
  private refreshAgain = false;
  /** False once the node refused the `ring` request: it does not know it, so the seed connection carries everything. */
  private ringSupported = true;
  private closed = false;
  /** Wakes requests waiting for a connection to a node of the client's DC (invariant 6). */
  private readonly dcWaiters = new Set<() => void>();
  /** Requests sent per node id (pooled or seed), for tests and diagnostics. */
  readonly sentTo = new Map<string, number>();

  constructor(
    readonly seed: Dispatcher,
    private readonly settings: ClientSettings,
    private readonly routing: RouterSettings,
    private readonly factory: WebSocketFactory,
    private readonly options: ClientOptions,
  ) {}

  /** The wire codec (shared limits). */
  get codec(): Dispatcher['codec'] {
    return this.seed.codec;
  }

  /** The current ring table, if one was learned. */
  get ring(): RingTable | undefined {
    return this.table;
  }

  /**
   * Connects the seed; with token-aware routing, starts fetching the ring
   * without waiting for it (requests go over the seed connection until it
   * arrives, so a node that is slow to answer `ring` never delays them).
   */
  async start(): Promise<void> {
    await this.seed.start();
    if (this.routing.routing !== 'token-aware') return;
    this.seed.events = {
      onConnected: () => {
        this.refreshSoon();
        this.wakeDc();
      },
      onRingChanged: (version) => this.ringChanged(version),
    };
    const first = this.refresh();
    if (this.routing.dc === undefined) return;
    // A client of one DC must know which nodes are in it before its first request; then it opens their connections.
    await first;
    const table = this.table;
    if (table !== undefined) for (const id of table.membersIn(this.routing.dc)) if (table.routable(id)) this.dispatcherFor(id, table);
  }

  /**
   * Sends a key request to the connection routing picks; a read is retried
   * once elsewhere if that connection died under it. The dispatcher's own
   * promise is returned as it is (no extra promise hop) unless there is
   * something to do with the outcome: a read on a pooled connection (the
   * retry) or a request with a receipt (a `forwarded` receipt refreshes the
   * ring; receipts are only sent when asked for).
   */
  request<R extends KeyReply, T>(expect: R, label: string, op: BatchOp, opts: RequestOpts | undefined, finish: Finish<R, T>): Promise<T> {
    const dispatchOpts = opts === undefined ? noDispatchOpts : { timeoutMs: opts.timeoutMs, wire: wireOptions(opts) };
    const first = this.pick(op.key, undefined);
    if (first === undefined) return this.requestWhenDcConnects(expect, label, op, opts, finish);
    const mayRetry = expect === 'get-ok' && first !== this.seed;
    if (!mayRetry && opts?.receipt !== true) return this.send(first, expect, label, op, dispatchOpts, finish);
    return this.followUp(first, expect, label, op, dispatchOpts, finish);
  }

  /** `request` when the outcome matters to routing: a `forwarded` receipt refreshes the ring; a read that lost its pooled connection is sent once more. */
  private async followUp<R extends KeyReply, T>(
    first: Dispatcher,
    expect: R,
    label: string,
    op: BatchOp,
    dispatchOpts: DispatchOpts,
    finish: Finish<R, T>,
  ): Promise<T> {
    let reply: ReplyOf<R>;
    try {
      reply = await this.send<R, ReplyOf<R>>(first, expect, label, op, dispatchOpts, undefined);
    } catch (error) {
      const retry = expect === 'get-ok' && first !== this.seed && isRingkvError(error) && (error.code === 'connection-closed' || error.code === 'not-connected');
      if (!retry) throw error;
      this.refreshSoon();
      const next = this.pick(op.key, first);
      if (next === undefined) throw this.dcUnreachable(label);
      return this.send(next, expect, label, op, dispatchOpts, finish);
    }
    if (reply.receipt?.forwarded === true) this.refreshSoon();
    return finish(reply, op);
  }

  /** Fetches the ring from the seed connection now (coalesced with a fetch in flight). */
  refresh(): Promise<void> {
    if (this.fetching !== undefined) {
      this.refreshAgain = true;
      return this.fetching;
    }
    this.fetching = this.fetchRing().finally(() => {
      this.fetching = undefined;
      if (this.refreshAgain && !this.closed) {
        this.refreshAgain = false;
        void this.refresh();
      } else {
        this.arm();
      }
    });
    return this.fetching;
  }

  /** Pushes seen from the seed's node: `applied` started a fetch, `ignored` named the version already held. */
  readonly ringPushes = { applied: 0, ignored: 0 };

  /** A `ring-changed` push: fetch the new ring now unless the table already has that version. */
  private ringChanged(version: number): void {
    if (this.closed || this.routing.routing !== 'token-aware' || !this.ringSupported) return;
    if (this.table !== undefined && this.table.version === version) {
      this.ringPushes.ignored++;
      return;
    }
    this.ringPushes.applied++;
    void this.refresh();
  }

  /** Closes every connection and the refresh timer. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.settings.clock.clearTimer(this.refreshTimer);
    this.wakeDc();
    const all = [this.seed, ...this.pool.values()];
    this.pool.clear();
    await Promise.all(all.map((d) => d.close()));
  }

  private send<R extends KeyReply, T>(d: Dispatcher, expect: R, label: string, op: DispatchOp, opts: DispatchOpts, finish: Finish<R, T> | undefined): Promise<T> {
    const id = d.nodeId;
    if (id !== undefined) this.sentTo.set(id, (this.sentTo.get(id) ?? 0) + 1);
    return d.request(expect, label, op, opts, finish as Finish<R, T>);
  }

  /**
   * A request for which no node of the client's DC was connected: waits
   * (without sending anything) until one connects, then routes it; fails with
   * `dc-unreachable` at its timeout (invariant 6).
   */
  private async requestWhenDcConnects<R extends KeyReply, T>(expect: R, label: string, op: BatchOp, opts: RequestOpts | undefined, finish: Finish<R, T>): Promise<T> {
    const deadlineMs = this.settings.clock.now() + (opts?.timeoutMs ?? this.settings.requestTimeoutMs);
    await this.untilDcConnects(label, deadlineMs, () => this.pick(op.key, undefined) !== undefined);
    return this.request(expect, label, op, { ...opts, timeoutMs: this.leftMs(deadlineMs) }, finish);
  }

  /**
   * The connection for a request without a key (one scan page), counted in
   * `sentTo`, and what is left of its `timeoutMs`: the seed without `dc`;
   * with `dc` (invariant 6) the first connected node of the DC by id
   * (dc-routing.ts invariant 3); with none connected the seed when
   * `dcFailover` is set, else it waits for one until `timeoutMs` and then
   * rejects with `dc-unreachable` (`closed` if the client closes meanwhile).
   */
  async keyless(label: string, timeoutMs: number): Promise<{ dispatcher: Dispatcher; timeoutMs: number }> {
    const deadlineMs = this.settings.clock.now() + timeoutMs;
    const now = this.pickKeyless();
    if (now !== undefined) return this.counted(now, timeoutMs);
    await this.untilDcConnects(label, deadlineMs, () => this.pickKeyless() !== undefined);
    // ready() just held, in this turn: pickKeyless finds the same node.
    return this.counted(this.pickKeyless() ?? this.seed, this.leftMs(deadlineMs));
  }

  private counted(dispatcher: Dispatcher, timeoutMs: number): { dispatcher: Dispatcher; timeoutMs: number } {
    const id = dispatcher.nodeId;
    if (id !== undefined) this.sentTo.set(id, (this.sentTo.get(id) ?? 0) + 1);
    return { dispatcher, timeoutMs };
  }

  /** What is left until `deadlineMs`, at least 1 ms. */
  private leftMs(deadlineMs: number): number {
    return Math.max(1, Math.ceil(deadlineMs - this.settings.clock.now()));
  }

  /**
   * Waits, sending nothing, until a connect wakes it and `ready()` holds;
   * rejects with `dc-unreachable` at `deadlineMs` (at once when no ring
   * member is in the DC) and with `closed` once the client closes (invariant 6).
   */
  private async untilDcConnects(label: string, deadlineMs: number, ready: () => boolean): Promise<void> {
    const table = this.table;
    if (table !== undefined && this.routing.dc !== undefined && table.membersIn(this.routing.dc).length === 0) throw this.dcUnreachable(label, 'no member of the ring is in it');
    while (!this.closed) {
      const leftMs = deadlineMs - this.settings.clock.now();
      if (leftMs <= 0) break;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.settings.clock.clearTimer(timer);
          this.dcWaiters.delete(wake);
          resolve();
        };
        const timer = this.settings.clock.setTimer(wake, leftMs);
        this.dcWaiters.add(wake);
      });
      if (ready()) return;
    }
    throw this.closed ? new RingkvError('closed', `${label}: the client was closed`) : this.dcUnreachable(label);
  }

  private dcUnreachable(label: string, why = 'none of its nodes is reachable'): RingkvError {
    const dc = this.routing.dc ?? '';
    return new RingkvError('dc-unreachable', `${label}: no node of data center ${JSON.stringify(dc)} could take the request (${why}); nothing was sent. Connect with dcFailover: true to use other DCs`);
  }

  private wakeDc(): void {
    for (const wake of [...this.dcWaiters]) wake();
  }

  /**
   * The dispatcher for `key`: the first routable replica with an open pooled
   * connection, else the seed. With `dc` (invariant 6): the first connected
   * node of the DC, else (with `dcFailover`) as without `dc`, else undefined.
   */
  private pick(key: Key, avoid: Dispatcher | undefined): Dispatcher | undefined {
    const table = this.table;
    if (table === undefined || this.closed) return this.seed;
    const dc = this.routing.dc;
    if (dc !== undefined) {
      for (const id of dcRouteOrder(table, key, dc)) {
        const d = this.dispatcherFor(id, table);
        if (d !== undefined && d !== avoid && d.connected) return d;
      }
      if (!this.routing.dcFailover) return undefined;
    }
    for (const id of table.routeOrder(key)) {
      if (!table.routable(id)) continue;
      const d = this.dispatcherFor(id, table);
      if (d !== undefined && d !== avoid && d.connected) return d;
    }
    return this.seed;
  }

  /** The dispatcher for a request without a key (`keyless`): as `pick`, with any node of the DC in place of the key's replicas. */
  private pickKeyless(): Dispatcher | undefined {
    const table = this.table;
    const dc = this.routing.dc;
    if (table === undefined || this.closed || dc === undefined) return this.seed;
    for (const id of dcMembers(table, dc)) {
      const d = this.dispatcherFor(id, table);
      if (d !== undefined && d.connected) return d;
    }
    return this.routing.dcFailover ? this.seed : undefined;
  }

  /** The seed dispatcher when it is connected to `id`, else the pooled one, opened lazily while the pool has room. */
  private dispatcherFor(id: string, table: RingTable): Dispatcher | undefined {
    if (this.seed.nodeId === id) return this.seed;
    const pooled = this.pool.get(id);
    if (pooled !== undefined || this.pool.size >= this.routing.poolConnectionsMax) return pooled;
    const url = table.member(id)?.url;
    if (url === undefined) return undefined;
    const d = new Dispatcher({ ...this.settings, seeds: [url] }, this.factory, this.options);
    d.events = {
      onLost: () => this.refreshSoon(),
      // A URL now served by another node (a restart under a new id): close it but keep it pooled (closed, so never
      // picked), so requests do not reopen it each time; a refresh with a new URL for `id` replaces it.
      onConnected: (nodeId) => {
        if (nodeId === id) {
          this.wakeDc();
          return;
        }
        void d.close();
        this.refreshSoon();
      },
    };
    this.pool.set(id, d);
    d.connectInBackground();
    return d;
  }

  private async fetchRing(): Promise<void> {
    if (this.closed || !this.ringSupported) return;
    let reply: RingOkMessage;
    try {
      reply = await this.seed.request('ring-ok', 'ring', { type: 'ring', watch: true }, undefined);
    } catch (error) {
      // A node that does not know `ring` answers with a definite refusal; anything else (timeout, reconnecting) is retried at the next period.
      if (isRingkvError(error) && unsupportedCodes.has(error.code)) this.ringSupported = false;
      return;
    }
    if (this.closed) return;
    if (this.table !== undefined && this.table.version === reply.version && sameMembers(this.table, reply)) return;
    this.table = RingTable.fromReply(reply);
    this.prune();
  }

  /** Closes pooled connections of members that left the ring or moved. */
  private prune(): void {
    for (const [id, d] of this.pool) {
      const member = this.table?.member(id);
      if (member !== undefined && d.settings.seeds[0] === member.url) continue;
      this.pool.delete(id);
      void d.close();
    }
  }

  /** Asks for a refresh on the next turn (a lost connection or a forwarded request hints the ring moved). */
  private refreshSoon(): void {
    if (this.closed || this.routing.routing !== 'token-aware') return;
    this.settings.clock.clearTimer(this.refreshTimer);
    this.refreshTimer = this.settings.clock.setTimer(() => void this.refresh(), 0);
  }

  private arm(): void {
    if (this.closed || this.routing.routing !== 'token-aware' || !this.ringSupported) return;
    this.settings.clock.clearTimer(this.refreshTimer);
    this.refreshTimer = this.settings.clock.setTimer(() => void this.refresh(), this.routing.ringRefreshMs);
  }
}

/** Statuses and URLs matter to routing even when the placement fingerprint is unchanged. */
function sameMembers(table: RingTable, reply: RingOkMessage): boolean {
  if (table.n !== reply.n || table.list().length !== reply.members.length) return false;
  if (JSON.stringify(table.replication) !== JSON.stringify(reply.replicas ?? reply.n)) return false;
  return reply.members.every((m) => {
    const old = table.member(m.id);
    return old !== undefined && old.status === m.status && old.url === m.url && (old.dc ?? '') === (m.dc ?? '');
  });
}

/** The options of a request that sets none: shared, never mutated. */
const noDispatchOpts: DispatchOpts = Object.freeze({ timeoutMs: undefined, wire: undefined });

/** The request's wire `options`, or undefined when it sets none (so it may share a batch frame). */
function wireOptions(opts: RequestOpts): RequestOptions | undefined {
  // Most requests set none (a put with only a context): answered without building anything.
  if (opts.r === undefined && opts.w === undefined && opts.timeoutMs === undefined && opts.receipt !== true) return undefined;
  const out: { r?: RequestOptions['r']; w?: RequestOptions['w']; timeoutMs?: number; receipt?: boolean } = {};
  if (opts.r !== undefined) out.r = opts.r;
  if (opts.w !== undefined) out.w = opts.w;
  if (opts.timeoutMs !== undefined) out.timeoutMs = opts.timeoutMs;
  if (opts.receipt === true) out.receipt = true;
  return Object.keys(out).length === 0 ? undefined : out;
}
