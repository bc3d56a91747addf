/**
 * One outbound peer connection: this node dials `address` + `/peer`, sends a
 * `peer-hello` (with the cluster secret), then pipelines calls and gossip.
 *
 * Concurrency model: ws events on the event loop. Calls are matched to
 * replies by request id; the calls of a link share one deadline sweep (one
 * timer armed for the earliest deadline, as client-sdk's deadlines.ts does
 * for requests), not a timer per call.
 *
 * Invariants:
 *   1. Every call settles by its deadline: a reply, a peer-error, the
 *      connection's loss, or the link's sweep (`timeout`), whichever comes
 *      first; the sweep never fails a call before its deadline and at most
 *      `peerDeadlineSweepMs` after it (plus event-loop lag).
 *   2. At most `peerInFlightMax` calls in flight and `peerConnectQueueMax`
 *      frames waiting for the connection; past `peerSendBufferBytesMax`
 *      queued bytes, new calls fail at once and gossip is dropped.
 *   3. A call lost with its connection fails `timeout` (it may have been
 *      applied) if the connection was open, `unavailable` (never sent) if not.
 *   4. After a failed connection, the next attempt waits a backoff doubling
 *      from `peerReconnectMsInitial` to `peerReconnectMsMax` (jittered);
 *      meanwhile calls fail at once (`unavailable`), so a down peer costs no
 *      waiting. A successful hello resets the backoff.
 *   5. When the peer's hello-ok says `batching`, `apply`/`fetch`/`forward`
 *      calls of one turn leave in `peer-batch` frames (peer-batcher.ts); each
 *      keeps its own id, deadline and outcome. A batched call not yet written
 *      when the connection closes was never sent: it fails `unavailable`.
 *   6. `relays` is true only while the connection is open and the peer's
 *      hello-ok said `relay`: a caller never sends a `relay` to a node that
 *      would refuse it (an older node during an upgrade).
 *   7. At most one sweep timer is armed per link, for the earliest pending
 *      deadline rounded up to `peerDeadlineSweepMs`; none after `close()`.
 */
import type { ExchangeCall } from '../anti-entropy/exchange.js';
import { isBatchableCall, PEER_PROTOCOL_VERSION, protocolError, type BatchableCall, type CheckedBatchMessage, type PeerCodec, type PeerMessage, type ProtocolError } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import * as L from '../limits.js';
import { batchBytesEstimate, PeerBatcher } from './peer-batcher.js';
import { callMessage } from './peer-call-message.js';

/** A call as sent: any call message; the link sets `id`. */
export type PeerCallBody =
  | { readonly type: 'apply'; readonly key: Uint8Array | string; readonly set: Uint8Array; readonly hintFor?: string; readonly hintStampMs?: number }
  | { readonly type: 'fetch'; readonly key: Uint8Array | string; readonly hintFor?: string }
  | { readonly type: 'forward'; readonly request: Uint8Array }
  | { readonly type: 'relay'; readonly entries: Uint8Array }
  | ExchangeCall
  | { readonly type: 'stream-range'; readonly start: Uint8Array; readonly end: Uint8Array; readonly after?: Uint8Array; readonly bytesMax: number }
  | { readonly type: 'stream-push' | 'stream-check'; readonly entries: Uint8Array }
  | { readonly type: 'range-stats'; readonly ranges: Uint8Array }
  | { readonly type: 'scan-range'; readonly from: Uint8Array; readonly end: Uint8Array; readonly prefix?: Uint8Array; readonly keysMax: number; readonly bytesMax: number };

/** What a link needs from its node. */
export interface PeerLinkConfig {
  readonly selfId: string;
  readonly clusterName: string;
  readonly secret: string | undefined;
  readonly codec: PeerCodec;
  readonly clock: Clock;
  readonly random: { next(): number };
  /** Counters shared by every link of the node. */
  readonly stats: PeerStats;
  /** The source address of outbound connections (the node's bound IP), or the OS's choice. */
  readonly localAddress?: string | undefined;
  /** Told the size of every frame written to the peer (the node counts bytes sent to other DCs). */
  readonly onSent?: (address: string, bytes: number) => void;
  /** With TLS: the certificate, key and CA of each new connection, read at its connect (so a reload applies to the next one). */
  readonly tls?: PeerTls;
}

/** Where a link takes its TLS options (tls/tls-credentials.ts `TlsCredentials`). */
export interface PeerTls {
  clientOptions(): { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
}

/** Peer traffic counters (they only grow). */
export interface PeerStats {
  callsSent: number;
  callsFailed: number;
  callsTimedOut: number;
  gossipSent: number;
  gossipDropped: number;
  connectsOk: number;
  connectsFailed: number;
}

interface Pending {
  resolve(reply: PeerMessage): void;
  reject(error: ProtocolError): void;
  /** When the sweep fails it (clock ms). */
  readonly deadlineMs: number;
  readonly timeoutMs: number;
}

/** The outbound connection to one peer address. */
export class PeerLink {
  private ws: WebSocket | undefined;
  private state: 'idle' | 'connecting' | 'open' = 'idle';

  /** True while the connection to the peer is open (for /status: this node's own view of the link). */
  get open(): boolean {
    return this.state === 'open';
  }

  /** True while the connection is open and the peer's hello-ok said it serves `relay` calls (cluster/dc-relay.ts). */
  get relays(): boolean {
    return this.state === 'open' && this.relayServed;
  }
  private relayServed = false;
  private readonly pending = new Map<number, Pending>();
  private waiting: Uint8Array[] = [];
  private nextId = 1;
  private backoffMs = 0;
  private retryAtMs = 0;
  private connectTimer: unknown;
  private closed = false;
  private corked: Duplex | undefined;
  /** Set while the open connection's peer reads `peer-batch` (invariant 5). */
  private batcher: PeerBatcher | undefined;
  /** The deadline sweep's timer and when it fires (invariant 7); undefined when none is armed. */
  private sweepTimer: unknown;
  private sweepAtMs: number | undefined;

  constructor(
    readonly address: string,
    private readonly config: PeerLinkConfig,
  ) {}

  /** Sends a gossip message; dropped (counted) when the link cannot take it now. */
  gossip(msg: Record<string, unknown>): void {
    let frame: Uint8Array;
    try {
      frame = this.config.codec.encode({ type: 'gossip', msg });
    } catch {
      this.config.stats.gossipDropped++;
      return;
    }
    if (this.enqueue(frame) === undefined) this.config.stats.gossipSent++;
    else this.config.stats.gossipDropped++;
  }

  /** One call; resolves with the reply message (a peer-error rejects), settles by `timeoutMs`. */
  call(body: PeerCallBody, timeoutMs: number): Promise<PeerMessage> {
    const { stats, codec, clock } = this.config;
    if (this.pending.size >= L.peerInFlightMax) return this.fail(protocolError('unavailable', `${L.peerInFlightMax} calls in flight to ${this.address}`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
    const message = callMessage(body, id, Math.max(1, Math.min(Math.ceil(timeoutMs), 600_000)));
    let refused: ProtocolError | undefined;
    try {
      refused = this.batcher !== undefined && isBatchableCall(message) ? this.enqueueBatched(this.batcher, message) : this.enqueue(codec.encode(message));
    } catch (error) {
      return this.fail(error as ProtocolError);
    }
    if (refused !== undefined) return this.fail(refused);
    stats.callsSent++;
    const deadlineMs = clock.now() + timeoutMs;
    this.armSweep(deadlineMs);
    return new Promise<PeerMessage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadlineMs, timeoutMs });
    });
  }

  /** Invariant 7: the sweep fires by `deadlineMs` rounded up to the granularity; an earlier one already armed is kept. */
  private armSweep(deadlineMs: number): void {
    const atMs = Math.ceil(deadlineMs / L.peerDeadlineSweepMs) * L.peerDeadlineSweepMs;
    if (this.sweepAtMs !== undefined && this.sweepAtMs <= atMs) return;
    const clock = this.config.clock;
    if (this.sweepAtMs !== undefined) clock.clearTimer(this.sweepTimer);
    this.sweepAtMs = atMs;
    this.sweepTimer = clock.setTimer(Math.max(0, atMs - clock.now()), this.sweep);
  }

  /** Invariant 1: fails every call past its deadline and re-arms for the earliest one left. */
  private readonly sweep = (): void => {
    this.sweepAtMs = undefined;
    const now = this.config.clock.now();
    let nextMs = Number.POSITIVE_INFINITY;
    for (const [id, p] of this.pending) {
      if (p.deadlineMs > now) {
        if (p.deadlineMs < nextMs) nextMs = p.deadlineMs;
        continue;
      }
      this.pending.delete(id);
      this.config.stats.callsTimedOut++;
      p.reject(protocolError('timeout', `${this.address} did not answer within ${p.timeoutMs} ms`));
    }
    if (nextMs !== Number.POSITIVE_INFINITY && !this.closed) this.armSweep(nextMs);
  };

  /**
   * Ends a reconnect backoff: gossip heard the peer is up again, so the next
   * call dials at once and waits for the connection (within its deadline)
   * instead of failing `unavailable` for up to `peerReconnectMsMax`.
   */
  retryNow(): void {
    if (this.state !== 'idle') return;
    this.backoffMs = 0;
    this.retryAtMs = 0;
  }

  /** Closes the link for good (node stop): pending calls fail. */
  close(): void {
    this.closed = true;
    this.config.clock.clearTimer(this.connectTimer);
    this.config.clock.clearTimer(this.sweepTimer);
    this.sweepAtMs = undefined;
    this.dropBatch(protocolError('shutting-down', 'the node is stopping'));
    this.failAll(protocolError('shutting-down', 'the node is stopping'));
    this.ws?.terminate();
    this.ws = undefined;
  }

  private fail(error: ProtocolError): Promise<never> {
    this.config.stats.callsFailed++;
    return Promise.reject(error);
  }

  /** Invariant 5: validates the call now (so a bad one fails alone) and queues it for this turn's batch; throws `ProtocolError`. */
  private enqueueBatched(batcher: PeerBatcher, message: BatchableCall): ProtocolError | undefined {
    const checked = this.config.codec.check(message);
    const bytes = batchBytesEstimate(checked);
    if (batcher.tooLarge(bytes)) return this.enqueue(this.config.codec.encode(message));
    if (this.closed) return protocolError('shutting-down', 'the node is stopping');
    if (this.ws !== undefined && this.ws.bufferedAmount > L.peerSendBufferBytesMax) return protocolError('unavailable', `${this.address} is not reading (send buffer full)`);
    batcher.add(checked, bytes);
    return undefined;
  }

  /** A batch frame could not be built: each of its calls fails on its own, with why. */
  private batchFailed(messages: readonly CheckedBatchMessage[], error: ProtocolError): void {
    for (const m of messages) this.settle(m.id, error);
  }

  /** Fails the pending call `id` (if still pending) with `error`. */
  private settle(id: number, error: ProtocolError): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    this.config.stats.callsFailed++;
    p.reject(error);
  }

  /** Sends or queues a frame; returns the reason when it cannot be taken. */
  private enqueue(frame: Uint8Array): ProtocolError | undefined {
    if (this.closed) return protocolError('shutting-down', 'the node is stopping');
    if (this.state === 'open' && this.ws !== undefined) {
      if (this.ws.bufferedAmount > L.peerSendBufferBytesMax) return protocolError('unavailable', `${this.address} is not reading (send buffer full)`);
      this.cork(this.ws);
      this.send(this.ws, frame);
      return undefined;
    }
    if (this.state === 'idle') {
      if (this.config.clock.now() < this.retryAtMs) return protocolError('unavailable', `${this.address} is unreachable (retrying in ${this.retryAtMs - this.config.clock.now()} ms)`);
      this.connect();
    }
    if (this.waiting.length >= L.peerConnectQueueMax) return protocolError('unavailable', `${this.address}: connection pending with ${L.peerConnectQueueMax} frames queued`);
    this.waiting.push(frame);
    return undefined;
  }

  /**
   * Frames sent in one event-loop turn leave in one write: the socket is
   * corked until the turn's microtasks have run (a coordinator sends its
   * replica calls for many requests in one turn under load).
   */
  private cork(ws: WebSocket): void {
    if (this.corked !== undefined) return;
    const socket = (ws as unknown as { _socket?: Duplex })._socket;
    if (socket === undefined) return;
    this.corked = socket;
    socket.cork();
    process.nextTick(() => {
      this.corked = undefined;
      socket.uncork();
    });
  }

  private connect(): void {
    const { codec, clock, selfId, clusterName, secret } = this.config;
    this.state = 'connecting';
    let ws: WebSocket;
    try {
      // Dial from the node's own IP, unless the peer is an IP literal of the other family.
      const local = this.config.localAddress;
      const target = isIP(new URL(this.address).hostname.replace(/^\[|\]$/g, ''));
      const bind = local === undefined || (target !== 0 && target !== isIP(local)) ? {} : { localAddress: local, family: isIP(local) };
      ws = new WebSocket(`${this.address}${L.peerPath}`, { maxPayload: codec.limits.frameBytesMax, perMessageDeflate: false, handshakeTimeout: L.peerConnectTimeoutMs, ...bind, ...this.config.tls?.clientOptions() });
    } catch {
      // An address that is not a ws URL (a bad seed): fail like an unreachable peer, with backoff.
      this.state = 'idle';
      this.config.stats.connectsFailed++;
      this.backoffMs = L.peerReconnectMsMax;
      this.retryAtMs = clock.now() + this.backoffMs;
      return;
    }
    this.ws = ws;
    this.connectTimer = clock.setTimer(L.peerConnectTimeoutMs, () => {
      if (this.ws === ws && this.state === 'connecting') ws.terminate();
    });
    ws.on('open', () => {
      ws.send(codec.encode({ type: 'peer-hello', protocolVersion: PEER_PROTOCOL_VERSION, nodeId: selfId, clusterName, batching: true, relay: true, ...(secret === undefined ? {} : { secret }) }));
    });
    ws.on('message', (data: RawData) => this.onFrame(ws, data as Buffer));
    ws.on('error', () => {});
    ws.on('close', () => this.onClose(ws));
  }

  private onFrame(ws: WebSocket, frame: Buffer): void {
    if (ws !== this.ws) return;
    const decoded = this.config.codec.decode(frame);
    if (!decoded.ok) return void ws.terminate();
    const m = decoded.message;
    if (this.state === 'connecting') {
      if (m.type !== 'peer-hello-ok') return void ws.terminate();
      this.opened(ws, m.batching === true, m.relay === true);
      return;
    }
    if (m.type === 'peer-batch') {
      for (const reply of m.messages) this.onReply(reply);
      return;
    }
    this.onReply(m);
  }

  private onReply(m: PeerMessage): void {
    if (!('id' in m) || m.id === undefined) return;
    const p = this.pending.get(m.id);
    if (p === undefined) return; // a reply after its deadline
    this.pending.delete(m.id);
    if (m.type === 'peer-error') {
      this.config.stats.callsFailed++;
      p.reject(protocolError(m.code, `${this.address}: ${m.message}`));
    } else {
      p.resolve(m);
    }
  }

  private opened(ws: WebSocket, batching: boolean, relay: boolean): void {
    this.state = 'open';
    this.relayServed = relay;
    if (batching) this.batcher = new PeerBatcher(this.config.codec, { write: (frame) => this.writeBatch(ws, frame), failed: (messages, error) => this.batchFailed(messages, error) }, L.peerBatchBytesMax);
    this.backoffMs = 0;
    this.config.clock.clearTimer(this.connectTimer);
    this.config.stats.connectsOk++;
    const frames = this.waiting;
    this.waiting = [];
    for (const f of frames) this.send(ws, f);
  }

  /** Writes one frame, counted (`onSent`). */
  private send(ws: WebSocket, frame: Uint8Array): void {
    this.config.onSent?.(this.address, frame.byteLength);
    ws.send(frame);
  }

  /** A batch frame, on the connection it was gathered for (invariant 5: a batch from a closed one was already failed). */
  private writeBatch(ws: WebSocket, frame: Uint8Array): void {
    if (ws === this.ws && this.state === 'open') this.send(ws, frame);
  }

  /** Invariant 5: batched calls not yet written were never sent. */
  private dropBatch(why: ProtocolError): void {
    const batcher = this.batcher;
    this.batcher = undefined;
    if (batcher !== undefined) for (const m of batcher.take()) this.settle(m.id, why);
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.dropBatch(protocolError('unavailable', `the connection to ${this.address} closed before the call was sent`));
    const wasOpen = this.state === 'open';
    this.ws = undefined;
    this.state = 'idle';
    this.waiting = [];
    this.config.clock.clearTimer(this.connectTimer);
    if (!wasOpen) {
      this.config.stats.connectsFailed++;
      this.backoffMs = Math.min(L.peerReconnectMsMax, Math.max(L.peerReconnectMsInitial, this.backoffMs * 2));
      this.retryAtMs = this.config.clock.now() + Math.round(this.backoffMs * (0.5 + this.config.random.next() / 2));
    }
    // Calls on an open connection may have been applied before it closed: indeterminate (`timeout`).
    // Calls still waiting for a connection were never sent: `unavailable`, safe to try elsewhere.
    this.failAll(
      wasOpen
        ? protocolError('timeout', `the connection to ${this.address} closed with the call in flight; it may have been applied`)
        : protocolError('unavailable', `${this.address} is unreachable`),
    );
  }

  private failAll(error: ProtocolError): void {
    for (const p of this.pending.values()) {
      this.config.stats.callsFailed++;
      p.reject(error);
    }
    this.pending.clear();
  }
}
