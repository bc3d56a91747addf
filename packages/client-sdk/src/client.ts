/**
 * `RingkvClient`: requests over one connection at a time, with timeouts,
 * pipelining, a bounded queue, and reconnects that fail over across seeds.
 *
 * Concurrency: single-threaded (event loop). Requests are pipelined: many are
 * in flight on one socket, each with a unique id; replies may come in any
 * order and are paired by id.
 * Invariants:
 *   1. Every request settles exactly once, within its timeout (plus the
 *      deadline granularity, `requestDeadlineGranularityMs`): a reply, a
 *      node error, `timeout`, `connection-closed`, `not-connected` or
 *      `closed`. Its deadline is queued (`DeadlineQueue`, one coarse timer
 *      for all requests) before anything else happens to it.
 *   2. At most `inFlightLimit` requests are on the wire; the rest wait in
 *      FIFO order, at most `queuedMax` of them.
 *   3. A write is reported `indeterminate` exactly when it was sent and no
 *      definite answer came back.
 *   4. At most one socket is open or opening at a time; after `close()`,
 *      none is, and no timer is left armed.
 *   5. Requests made in the same tick are sent together: one frame when
 *      there is one, else one `batch` frame of at most the node's
 *      `batchOpsMax` ops (and half a frame's bytes), whose results are
 *      paired with the requests by position. Each request keeps its own
 *      timeout and outcome.
 *   6. A frame without an id (a `ring-changed` push, a connection-level
 *      error) never settles or unpairs a request: pushes go to
 *      `events.onRingChanged`, and only ids in flight are matched.
 *
 * Hot path (issue 12): a request costs one `Pending` object, its promise,
 * and O(1) deadline-list links; no timer, closure or array is made per
 * request, and a reply is paired without copying its group.
 */

import {
  WireCodec,
  errorFromFrame,
  isNodePush,
  type BatchOp,
  type BatchResult,
  type ClientRequest,
  type Message,
  type ProtocolError,
  type RequestOptions,
  type RingOkMessage,
  type WireReceipt,
} from '@ringkv/protocol';
import { backoffDelayMs } from './backoff.js';
import { DeadlineQueue, type DeadlineEntry, type DeadlineList } from './deadlines.js';
import { openConnection, describe, type Connection, type ConnectionDeps } from './connection.js';
import { RingkvError, fromProtocolCode } from './errors.js';
import { RequestFrameEncoder, hasRequestOnlyFields } from './request-frame.js';
import {
  connectTimeoutMsDefault,
  inFlightMaxDefault,
  queuedMaxDefault,
  reconnectBaseMsDefault,
  reconnectCapMsDefault,
  requestDeadlineGranularityMs,
  requestIdMax,
  requestTimeoutMsDefault,
  timeoutMsMax,
} from './limits.js';
import type { Clock, Random, WebSocketFactory } from './ports.js';
import { Queue } from './queue.js';
import { systemClock, systemRandom } from './system.js';
import type { ClientOptions } from './types.js';
import { checkKey, checkPositiveInt } from './validate.js';

type ReplyType = 'get-ok' | 'put-ok' | 'delete-ok' | 'ring-ok';
/** A reply as the client uses it: a single reply (with its receipt, when asked) or a batch result. */
export type ReplyOf<R extends ReplyType> = R extends 'ring-ok' ? RingOkMessage : Extract<BatchResult, { type: R }> & { readonly receipt?: WireReceipt };
type AnyReply = ReplyOf<ReplyType>;

/** What a dispatcher sends: a key operation, or the ring request (which has no key). */
export type DispatchOp = BatchOp | { readonly type: 'ring'; readonly watch?: boolean };

/**
 * Turns a reply into the caller's result when the request settles, so the
 * caller's promise is the dispatcher's own (no second promise per request).
 * Gets the op the reply answers. A throw rejects the request with what was
 * thrown (a `RingkvError`: the reply could not be used).
 */
export type Finish<R extends ReplyType, T> = (reply: ReplyOf<R>, op: DispatchOp) => T;

/** Per-request settings beyond the op: the client-side timeout and the options sent to the node. */
export interface DispatchOpts {
  readonly timeoutMs?: number | undefined;
  /** Sent as the request's `options`; a request with options travels in its own frame (a batch has one set of options). */
  readonly wire?: RequestOptions | undefined;
}

/** Connection events a router follows (all optional). */
export interface DispatcherEvents {
  /** A connection was established (hello accepted). */
  onConnected?(nodeId: string): void;
  /** The connection was lost (the dispatcher reconnects on its own). */
  onLost?(): void;
  /** The node pushed `ring-changed` (never matched to a request; only sent after a `ring` with `watch: true`). */
  onRingChanged?(version: number): void;
}

/** One request from creation to settlement (a class, so every request has the same shape). */
class Pending implements DeadlineEntry {
  readonly write: boolean;
  /** Rough encoded size, to keep batches well under the frame bound. */
  readonly bytes: number;
  resolve: (result: unknown) => void = noop;
  reject: (error: RingkvError) => void = noop;
  id: number | undefined = undefined;
  settled = false;
  deadlineMs = 0;
  deadlineList: DeadlineList | undefined = undefined;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;

  constructor(
    readonly label: string,
    readonly expect: ReplyType,
    readonly timeoutMs: number,
    /** The operation; sent as `{ ...op, id }` alone or as one op of a batch. */
    readonly op: DispatchOp,
    /** The request's own `options`, if any: it then goes alone in its frame. */
    readonly wire: RequestOptions | undefined,
    /** Applied to the reply before the promise resolves. */
    readonly finish: Finish<ReplyType, unknown> | undefined,
  ) {
    this.write = expect === 'put-ok' || expect === 'delete-ok';
    this.bytes = opBytes(op);
  }
}

function noop(): void {}

/** The request whose promise is being made: `captureSettlers` runs synchronously inside `new Promise`, so one shared executor serves every request (no closure per request). */
let capturing: Pending | undefined;

function captureSettlers(resolve: (result: never) => void, reject: (error: RingkvError) => void): void {
  const p = capturing as Pending;
  p.resolve = resolve as (result: unknown) => void;
  p.reject = reject;
}

/** Resolved settings of a client. */
export interface ClientSettings {
  readonly seeds: readonly string[];
  readonly requestTimeoutMs: number;
  readonly inFlightMax: number;
  readonly queuedMax: number;
  readonly reconnectBaseMs: number;
  readonly reconnectCapMs: number;
  readonly clock: Clock;
  readonly random: Random;
}

/**
 * The transport half of the client: owns the connection and the requests.
 * `RingkvClient` (api.ts) builds the typed operations on `request`.
 */
export class Dispatcher {
  readonly codec: WireCodec;
  private readonly deps: ConnectionDeps;
  private conn: Connection | undefined;
  /** Frames on the wire by id: one request, or the requests of a batch in op order. */
  private readonly inflight = new Map<number, Pending | Pending[]>();
  /** Unsettled requests on the wire (ops, not frames). */
  private onWire = 0;
  private pumpScheduled = false;
  private readonly batching: boolean;
  private readonly queue = new Queue<Pending>();
  /** Writes the common request frames without the codec's intermediate objects. */
  private readonly frames: RequestFrameEncoder;
  /** Every unsettled request's deadline, on one coarse timer. */
  private readonly deadlines: DeadlineQueue<Pending>;
  private queued = 0;
  private nextId = 0;
  private nextSeed = 0;
  private closed = false;
  private reconnecting = false;
  private lastError: RingkvError | undefined;
  private wake: { timer: unknown; resume: () => void } | undefined;
  /** Abandons the connection attempt in progress, if any. */
  private cancelOpening: (() => void) | undefined;
  /** Follows connects and losses; set by a router. */
  events: DispatcherEvents = {};

  constructor(
    readonly settings: ClientSettings,
    factory: WebSocketFactory,
    options: ClientOptions,
  ) {
    this.codec = new WireCodec(options.valueBytesMax === undefined ? {} : { limits: { valueBytesMax: options.valueBytesMax } });
    this.deps = {
      factory,
      codec: this.codec,
      clock: settings.clock,
      connectTimeoutMs: checkTimeout(options.connectTimeoutMs ?? connectTimeoutMsDefault, 'connectTimeoutMs'),
      clientName: options.clientName ?? 'ringkv-client-sdk',
      authToken: options.authToken,
    };
    this.batching = options.batching ?? true;
    this.frames = new RequestFrameEncoder(this.codec.limits);
    this.deadlines = new DeadlineQueue<Pending>(settings.clock, requestDeadlineGranularityMs, (p) => this.expire(p));
  }

  /** The id of the node currently connected, if any. */
  get nodeId(): string | undefined {
    return this.conn?.nodeId;
  }

  /** The URL of the node currently connected, if any. */
  get url(): string | undefined {
    return this.conn?.url;
  }

  /** True while a connection is open and accepting requests. */
  get connected(): boolean {
    return this.conn !== undefined && this.conn.open;
  }

  /** Requests waiting for a slot or a connection. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Starts connecting without waiting (a pooled connection): tries the seeds,
   * then keeps retrying with backoff until one answers or `close()`.
   * Requests made meanwhile wait in the queue.
   */
  connectInBackground(): void {
    void this.reconnect();
  }

  /** Requests on the wire now. */
  get inFlight(): number {
    return this.onWire;
  }

  /**
   * The first connection: tries every seed once, in order. Rejects with the
   * last `not-connected` error, or at once with a refusal no other seed
   * would change (`unauthorized`, `unsupported-version`).
   */
  async start(): Promise<void> {
    for (let i = 0; i < this.settings.seeds.length && !this.closed; i++) {
      if (await this.tryNextSeed()) return;
      if (this.lastError !== undefined && isPermanent(this.lastError)) throw this.lastError;
    }
    const seeds = this.settings.seeds.join(', ');
    throw new RingkvError('not-connected', `no seed reachable (${seeds}): ${this.lastError?.message ?? 'client closed'}`, {
      cause: this.lastError,
    });
  }

  /**
   * Sends a request (now, or when a slot and a connection are free) and
   * resolves with its reply, or with `finish(reply, op)` when given (whose
   * throw rejects it). Never throws: every failure is a rejection.
   */
  request<R extends ReplyType, T = ReplyOf<R>>(
    expect: R,
    label: string,
    op: DispatchOp,
    opts: DispatchOpts | undefined,
    finish?: Finish<R, T>,
  ): Promise<T> {
    const early = this.refusal(op, label, opts);
    if (early !== undefined) return Promise.reject(early);
    const timeoutMs = opts?.timeoutMs ?? this.settings.requestTimeoutMs;
    const pending = new Pending(label, expect, timeoutMs, op, opts?.wire, finish as Finish<ReplyType, unknown> | undefined);
    capturing = pending;
    const promise = new Promise<T>(captureSettlers);
    capturing = undefined;
    this.deadlines.add(pending, timeoutMs);
    this.queue.push(pending);
    this.queued++;
    this.schedulePump();
    return promise;
  }

  /** Closes the connection and fails every request with `closed`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.wake !== undefined) {
      this.settings.clock.clearTimer(this.wake.timer);
      this.wake.resume();
    }
    this.cancelOpening?.();
    for (let p = this.queue.shift(); p !== undefined; p = this.queue.shift()) {
      this.settle(p, new RingkvError('closed', `${p.label}: the client was closed before it was sent`));
    }
    this.queued = 0;
    this.failInFlight((p) => new RingkvError('closed', `${p.label}: the client was closed before the reply`, { indeterminate: p.write }));
    this.deadlines.clear();
    const conn = this.conn;
    this.conn = undefined;
    if (conn !== undefined) await conn.close(1000, 'client closed');
  }

  private refusal(op: DispatchOp, label: string, opts: DispatchOpts | undefined): RingkvError | undefined {
    if (this.closed) return new RingkvError('closed', `${label}: the client is closed`);
    if (opts?.timeoutMs !== undefined) {
      try {
        checkTimeout(opts.timeoutMs, 'timeoutMs');
      } catch (error) {
        return error as RingkvError;
      }
    }
    const keyProblem = op.type === 'ring' ? undefined : checkKey(op.key, this.codec.limits.keyBytesMax);
    if (keyProblem !== undefined) return keyProblem;
    if (this.queued >= this.settings.queuedMax) {
      return new RingkvError('too-many-in-flight', `${label}: ${this.queued} requests already wait (queuedMax ${this.settings.queuedMax})`);
    }
    return undefined;
  }

  /** Sends at the end of the current tick, so requests made together share a frame. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Moves queued requests onto the wire while the connection has free slots. */
  private pump(): void {
    const conn = this.conn;
    if (conn === undefined || !conn.open) return;
    const limit = Math.min(this.settings.inFlightMax, conn.limits.inFlightMax);
    const batchMax = this.batching ? conn.limits.batchOpsMax : 1;
    const batchBytesMax = conn.limits.frameBytesMax / 2;
    while (this.onWire < limit) {
      const group: Pending[] = [];
      let bytes = 0;
      while (group.length < batchMax && this.onWire + group.length < limit) {
        const p = this.queue.peek();
        if (p === undefined) break;
        if (p.settled) {
          this.queue.shift();
          continue;
        }
        const alone = p.wire !== undefined || p.op.type === 'ring' || hasRequestOnlyFields(p.op);
        if (group.length > 0 && (alone || bytes + p.bytes > batchBytesMax)) break;
        this.queue.shift();
        this.queued--;
        group.push(p);
        bytes += p.bytes;
        if (alone) break;
      }
      if (group.length === 0) return;
      this.send(conn, group);
    }
  }

  private send(conn: Connection, group: Pending[]): void {
    const id = this.allocateId();
    const only = group.length === 1 ? group[0] : undefined;
    const ops = only !== undefined ? [only.op as BatchOp] : group.map((p) => p.op as BatchOp);
    // The common frames go straight into the encoder's slab; the rest (ring, options, anything it declines) through the codec, which checks them.
    let frame = only?.wire === undefined ? this.frames.encode(id, ops, only === undefined) : undefined; // declines ttl and condition fields
    if (frame === undefined) {
      try {
        const request: ClientRequest =
          only !== undefined
            ? ({ ...only.op, id, ...(only.wire === undefined ? {} : { options: only.wire }) } as ClientRequest)
            : { type: 'batch', id, ops };
        frame = this.codec.encode(request);
      } catch (cause) {
        const error = cause as ProtocolError;
        for (const p of group) this.settle(p, fromProtocolCode(error.code ?? 'invalid-message', `${p.label}: ${describe(cause)}`, false, { cause }));
        return;
      }
    }
    for (const p of group) p.id = id;
    this.inflight.set(id, only ?? group);
    this.onWire += group.length;
    conn.send(frame);
  }

  private allocateId(): number {
    do {
      this.nextId = this.nextId >= requestIdMax ? 0 : this.nextId + 1;
    } while (this.inflight.has(this.nextId));
    return this.nextId;
  }

  private expire(p: Pending): void {
    if (p.settled) return;
    if (p.id !== undefined) {
      this.forget(p);
      this.settle(p, new RingkvError('timeout', `${p.label}: no reply within ${p.timeoutMs} ms`, { indeterminate: p.write }));
      this.dropIfSilent(p.timeoutMs);
      this.schedulePump();
      return;
    }
    this.queued--;
    if (this.conn === undefined) {
      const why = this.lastError === undefined ? 'reconnecting' : this.lastError.message;
      this.settle(p, new RingkvError('not-connected', `${p.label}: no connection within ${p.timeoutMs} ms (${why}); it was not sent`, { cause: this.lastError }));
    } else {
      this.settle(p, new RingkvError('timeout', `${p.label}: still queued after ${p.timeoutMs} ms; it was not sent`));
    }
  }

  /**
   * A connection that received nothing for a whole request timeout, while a
   * request waited on it, is presumed dead (a peer that vanished without a
   * close, a half-open TCP connection): it is closed, which fails its other
   * requests with `connection-closed` and reconnects. The WHATWG WebSocket
   * has no ping, so silence is the only signal a browser gets.
   */
  private dropIfSilent(timeoutMs: number): void {
    const conn = this.conn;
    // `!conn.open`: already closing (a burst of timeouts expires in one sweep; closing once is enough, and each close arms its own wait).
    if (conn === undefined || !conn.open || this.settings.clock.now() - conn.lastReceiveMs < timeoutMs) return;
    void conn.close(4000, `no frame for ${timeoutMs} ms`);
  }

  /** Takes a sent, unsettled request off the wire count (and its frame off the map when nothing else waits on it). */
  private forget(p: Pending): void {
    this.onWire--;
    const id = p.id as number;
    const entry = this.inflight.get(id);
    if (entry === p || (Array.isArray(entry) && entry.every((q) => q === p || q.settled))) this.inflight.delete(id);
  }

  private settle(p: Pending, outcome: RingkvError | AnyReply): void {
    if (p.settled) return;
    p.settled = true;
    this.deadlines.remove(p);
    if (outcome instanceof RingkvError) return p.reject(outcome);
    if (p.finish === undefined) return p.resolve(outcome);
    let result: unknown;
    try {
      result = p.finish(outcome as ReplyOf<ReplyType>, p.op);
    } catch (error) {
      return p.reject(error as RingkvError);
    }
    p.resolve(result);
  }

  private receive(message: Message): void {
    // A push carries no id: it is handed to the router and never touches the in-flight table.
    if (isNodePush(message)) return this.events.onRingChanged?.(message.version);
    if (message.type === 'error' && message.id === undefined) return; // connection-level: a close follows if it matters
    const id = (message as { id?: number }).id;
    const entry = id === undefined ? undefined : this.inflight.get(id);
    if (entry === undefined || id === undefined) return; // a reply to requests that already timed out
    this.inflight.delete(id);
    if (!Array.isArray(entry)) {
      if (entry.settled) return this.schedulePump();
      this.onWire--;
      if (message.type === 'error') {
        const extra: { retryAfterMs?: number; cause?: unknown } = message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs };
        // condition-failed: the versions read ride in the cause (api.ts decodes them into `current`).
        if (message.current !== undefined) extra.cause = errorFromFrame(message);
        this.settle(entry, fromProtocolCode(message.code, `${entry.label}: ${message.message}`, entry.write, extra));
      } else this.settleOne(entry, message as unknown as BatchResult);
      return this.schedulePump();
    }
    for (const p of entry) if (!p.settled) this.onWire--;
    if (message.type === 'error') {
      const extra = message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs };
      for (const p of entry) if (!p.settled) this.settle(p, fromProtocolCode(message.code, `${p.label}: ${message.message}`, p.write, extra));
    } else if (message.type !== 'batch-ok' || message.results.length !== entry.length) {
      const why = message.type === 'batch-ok' ? `${message.results.length} results for ${entry.length} ops` : `got ${message.type}`;
      for (const p of entry) if (!p.settled) this.settle(p, new RingkvError('invalid-message', `${p.label}: bad batch reply (${why})`, { indeterminate: p.write }));
    } else {
      const results = message.results;
      for (let i = 0; i < entry.length; i++) this.settleOne(entry[i] as Pending, results[i] as BatchResult);
    }
    this.schedulePump();
  }

  /** Settles one request with its reply or batch result (skipped if it already timed out). */
  private settleOne(p: Pending, result: BatchResult): void {
    if (p.settled) return;
    if (result.type === 'error') {
      this.settle(p, fromProtocolCode(result.code, `${p.label}: ${result.message}`, p.write));
    } else if (result.type !== p.expect) {
      this.settle(p, new RingkvError('invalid-message', `${p.label}: expected ${p.expect}, got ${result.type}`, { indeterminate: p.write }));
    } else {
      this.settle(p, result);
    }
  }

  /** A frame the codec refused: its requests' reply if the id is known and the connection may stay, else the whole connection. */
  private refuseFrame(conn: Connection, error: ProtocolError): void {
    const entry = error.requestId === undefined ? undefined : this.inflight.get(error.requestId);
    if (error.closeCode === undefined && entry !== undefined && error.requestId !== undefined) {
      this.inflight.delete(error.requestId);
      for (const p of Array.isArray(entry) ? entry : [entry]) {
        if (p.settled) continue;
        this.onWire--;
        this.settle(p, new RingkvError(error.code, `${p.label}: bad reply: ${error.message}`, { cause: error, ...indet(p) }));
      }
      this.schedulePump();
      return;
    }
    this.failInFlight((q) => new RingkvError(error.code, `${q.label}: the node sent a bad frame: ${error.message}`, { cause: error, ...indet(q) }));
    void conn.close(error.closeCode ?? 1002, error.code);
  }

  private lost(conn: Connection, code: number, reason: string): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    const why = `connection to ${conn.url} closed before the reply (code ${code}${reason ? `, ${reason}` : ''})`;
    this.lastError = new RingkvError('not-connected', `connection to ${conn.url} lost (code ${code})`);
    this.failInFlight((p) => new RingkvError('connection-closed', `${p.label}: ${why}`, { closeCode: code, indeterminate: p.write }));
    this.events.onLost?.();
    void this.reconnect();
  }

  private failInFlight(errorFor: (p: Pending) => RingkvError): void {
    const all = [...this.inflight.values()].flat();
    this.inflight.clear();
    this.onWire = 0;
    for (const p of all) if (!p.settled) this.settle(p, errorFor(p));
  }

  /** Opens the next seed in round-robin order; true when it is now the connection. */
  private async tryNextSeed(): Promise<boolean> {
    const seeds = this.settings.seeds;
    const url = seeds[this.nextSeed % seeds.length] as string;
    this.nextSeed = (this.nextSeed + 1) % seeds.length;
    try {
      const conn = await openConnection(url, this.deps, (cancel) => (this.cancelOpening = cancel));
      if (this.closed) {
        await conn.close(1000, 'client closed');
        return false;
      }
      this.attach(conn);
      return true;
    } catch (error) {
      this.lastError = error as RingkvError;
      return false;
    } finally {
      this.cancelOpening = undefined;
    }
  }

  private attach(conn: Connection): void {
    this.conn = conn;
    this.lastError = undefined;
    conn.listen({
      onMessage: (m) => this.receive(m),
      onFatal: (e) => this.refuseFrame(conn, e),
      onClose: (code, reason) => this.lost(conn, code, reason),
    });
    this.events.onConnected?.(conn.nodeId);
    this.pump();
  }

  /** Reconnects after a loss: every seed in turn, then a backoff wait, until one answers or the client closes. */
  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let round = 0; !this.closed; round++) {
        for (let i = 0; i < this.settings.seeds.length && !this.closed; i++) {
          if (await this.tryNextSeed()) return;
        }
        await this.sleep(backoffDelayMs(round, this.settings.reconnectBaseMs, this.settings.reconnectCapMs, this.settings.random));
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resume) => {
      if (this.closed) return resume();
      const timer = this.settings.clock.setTimer(() => {
        this.wake = undefined;
        resume();
      }, ms);
      this.wake = { timer, resume };
    });
  }
}

/** Envelope and field names of one op, beyond its key, value and context. */
const opOverheadBytes = 48;

function opBytes(op: DispatchOp): number {
  if (op.type === 'ring') return opOverheadBytes;
  const key = typeof op.key === 'string' ? op.key.length * 3 : op.key.byteLength;
  const value = op.type === 'put' ? op.value.byteLength : 0;
  const context = op.type === 'get' ? 0 : (op.context?.byteLength ?? 0);
  return opOverheadBytes + key + value + context;
}

function indet(p: Pending): { indeterminate: boolean } {
  return { indeterminate: p.write };
}

function isPermanent(error: RingkvError): boolean {
  return error.code === 'unauthorized' || error.code === 'unsupported-version' || error.code === 'invalid-argument';
}

function checkTimeout(ms: number, name: string): number {
  return checkPositiveInt(ms, name, timeoutMsMax);
}

/** Settings with defaults applied and every number checked. */
export function resolveSettings(seeds: readonly string[], options: ClientOptions): ClientSettings {
  return {
    seeds,
    requestTimeoutMs: checkTimeout(options.requestTimeoutMs ?? requestTimeoutMsDefault, 'requestTimeoutMs'),
    inFlightMax: checkPositiveInt(options.inFlightMax ?? inFlightMaxDefault, 'inFlightMax', 1 << 20),
    queuedMax: checkPositiveInt(options.queuedMax ?? queuedMaxDefault, 'queuedMax', 1 << 24),
    reconnectBaseMs: checkTimeout(options.reconnectBaseMs ?? reconnectBaseMsDefault, 'reconnectBaseMs'),
    reconnectCapMs: checkTimeout(options.reconnectCapMs ?? reconnectCapMsDefault, 'reconnectCapMs'),
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
  };
}
