/**
 * One client connection: hello first, then pipelined requests answered in
 * any order, with backpressure in both directions.
 *
 * The connection is transport-neutral (transport.ts): the same code serves
 * WebSocket clients (ws-transport.ts) and raw TCP clients (tcp-transport.ts),
 * so every invariant below holds for both.
 *
 * Concurrency model: transport events on the event loop; each request runs as its
 * own async task and replies when done, so a slow write never holds up a get
 * behind it; a lone node's get is answered synchronously (no promise chain).
 * Handlers are bound once per connection, not per request.
 *
 * Invariants:
 *   1. Nothing but `hello` is served before a successful hello; a request
 *      first gets `hello-required` (1002); no hello within `helloTimeoutMs`
 *      closes the same way.
 *   2. A hello with another protocol version gets `unsupported-version`
 *      (1002); on a node with tokens (`authToken` or a tokens file), a
 *      missing or wrong one gets `unauthorized` (1008). Tokens are compared
 *      in constant time. Each request is then checked against the token's
 *      role, key prefix and rates (auth/grant.ts): `forbidden` or
 *      `rate-limited`, and nothing of it runs. A revoked token's connection
 *      gets `unauthorized` and is closed (1008).
 *   3. At most `inFlightPerConnectionMax` requests run at once; one more is
 *      answered `too-many-in-flight` without being run.
 *   4. When queued reply bytes (`bufferedAmount`) pass `sendBufferBytesHigh`,
 *      the connection stops being read until they drain below a quarter of
 *      that; requests the transport still delivers meanwhile wait in a backlog (counted as
 *      in flight) instead of running. Paused longer than
 *      `slowClientTimeoutMs`, or with more than `sendBufferBytesMax` queued,
 *      it is terminated: one connection's memory stays bounded.
 *   5. A bad frame gets an error frame (with the request id when readable)
 *      and, when the protocol table says so, a close with its close code.
 *      Before a successful hello every refusal closes (1002 unless the code
 *      has its own), and the socket is dropped once the close frame is
 *      written, without waiting for the client's (close-now.ts).
 *   6. Text frames are refused (`malformed-frame`, close 1003): the protocol
 *      is binary MessagePack only.
 *   7. A successful hello takes the socket out of the anonymous pool
 *      (socket-guard.ts); until then it may be displaced by newer sockets.
 *   8. Request bytes are bounded (issue 15, item 4): a request starts only
 *      when its frame fits in the connection's `requestBytesInFlightMax`
 *      (or it runs alone) and in the node's budget (request-budget.ts);
 *      otherwise it waits in the backlog, and while the backlog is not empty
 *      or the connection holds `requestBytesInFlightMax`, the connection is
 *      not read (`transport.pause()`): the client's further requests stay in its
 *      own socket buffers, not in the node's memory. Reading resumes when
 *      replies free the bytes; this pause never terminates the client.
 *   9. After a `rate-limited` answer the connection is not read for the
 *      answer's `retryAfterMs` (at most `rateHoldMsMax`): a client that
 *      ignores it (a flood) waits in its own socket buffers and costs the
 *      node one refusal per hold, not one per request. Frames already read
 *      are still answered.
 */
import {
  checkHelloVersion,
  closeGoingAway,
  closePolicyViolation,
  closeProtocolError,
  errorFrame,
  errorFrameFor,
  isClientRequest,
  PROTOCOL_VERSION,
  protocolError,
  type ClientRequest,
  type HelloMessage,
  type Message,
  type NodeReply,
  type ProtocolError,
} from '@ringkv/protocol';
import type { Duplex } from 'node:stream';
import { pausedCheckIntervalMs, rateHoldMsMax, sendBufferLowFraction } from '../limits.js';
import type { Op } from '../metrics.js';
import type { ServerContext, TrackedConnection } from './context.js';
import { handleRequest } from './requests.js';
import { closeUnsupportedData, textFrameError } from './close-now.js';
import type { ClientTransport } from './transport.js';
import type { TcpFrameSink } from './tcp-transport.js';
import { suppressedField } from '../log.js';
import type { ClusterCore } from '../cluster/core.js';
import { refusal, type Grant } from '../auth/grant.js';

type State = 'hello' | 'ready' | 'closing';

/**
 * A client connection; created by the upgrade handler (WebSocket) or the
 * TCP acceptor, which then binds its transport to it; removes itself from
 * the context on close.
 */
export class ClientConnection implements TrackedConnection, TcpFrameSink {
  private state: State = 'hello';
  private helloTimer: NodeJS.Timeout | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  /** Invariant 9: set while reading is held after a rate-limited answer. */
  private rateHold: NodeJS.Timeout | undefined;
  private pausedSinceMs = 0;
  private readingStopped = false;
  private backlog: { request: ClientRequest; bytes: number }[] = [];
  /** Frame bytes of this connection's running requests, and of its backlog (invariant 8). */
  private runningBytes = 0;
  private backlogBytes = 0;
  /** True while reading is paused because of request bytes (invariant 8), for /status. */
  bytesPaused = false;
  private readPaused = false;
  inFlight = 0;
  paused = false;
  /** Set by a `ring` request with `watch: true`: ring changes are pushed here. */
  private watchRing = false;
  /** What the hello's token allows (auth/grant.ts); undefined when the node needs no token. */
  private grant: Grant | undefined;

  constructor(
    private readonly transport: ClientTransport,
    private readonly ctx: ServerContext,
    private readonly peer: string,
    /** The raw socket under the transport: what the socket and frame guards know it by. */
    private readonly socket: Duplex,
  ) {
    ctx.connections.add(this);
    ctx.metrics.connectionsOpened++;
    this.helloTimer = setTimeout(this.onHelloTimeout, ctx.options.helloTimeoutMs);
  }

  get bufferedBytes(): number {
    return this.transport.bufferedAmount;
  }

  /** One frame from the transport (FrameSink). */
  onFrame(frame: Uint8Array, isBinary: boolean): void {
    if (this.state === 'closing') return;
    this.ctx.metrics.framesIn++;
    this.ctx.metrics.bytesIn += frame.length;
    if (!isBinary) return this.refuse(textFrameError(), closeUnsupportedData);
    const decoded = this.ctx.codec.decode(frame);
    if (!decoded.ok) return this.refuse(decoded.error);
    const message = decoded.message;
    if (this.state === 'hello') {
      if (message.type === 'hello') return this.hello(message);
      return this.refuse(protocolError('hello-required', `a ${message.type} arrived before hello; send hello first`));
    }
    if (!isClientRequest(message)) {
      return this.refuse(protocolError('invalid-message', `a client may not send ${message.type} after hello`));
    }
    this.serve(message, frame.length);
  }

  private hello(message: HelloMessage): void {
    clearTimeout(this.helloTimer);
    const versionError = checkHelloVersion(message);
    if (versionError !== undefined) return this.refuse(versionError);
    if (this.ctx.auth.required) {
      this.grant = this.ctx.auth.verify(message.authToken);
      if (this.grant === undefined) {
        this.ctx.metrics.authRefusal('unauthorized', 'client');
        this.ctx.refusalLog.run((suppressed) => this.ctx.log.warn({ peer: this.peer, client: message.clientName, ...suppressedField(suppressed) }, 'hello with a missing or wrong auth token'));
        return this.refuse(protocolError('unauthorized', 'the hello carried no valid auth token'));
      }
    }
    this.state = 'ready';
    this.ctx.sockets.identified(this.socket);
    this.ctx.frames.identified(this.socket);
    const o = this.ctx.options;
    const l = this.ctx.codec.limits;
    this.send({
      type: 'hello-ok',
      nodeId: o.id,
      protocolVersion: PROTOCOL_VERSION,
      limits: {
        frameBytesMax: l.frameBytesMax,
        keyBytesMax: l.keyBytesMax,
        valueBytesMax: l.valueBytesMax,
        contextBytesMax: l.contextBytesMax,
        batchOpsMax: l.batchOpsMax,
        inFlightMax: o.inFlightPerConnectionMax,
      },
    });
  }

  private serve(request: ClientRequest, bytes: number): void {
    if (this.ctx.stopping) {
      this.ctx.metrics.error('shutting-down');
      this.send(errorFrameFor('shutting-down', 'the node is shutting down; reconnect to another node', request.id));
      return;
    }
    const denied = this.grant === undefined ? undefined : refusal(this.grant, request, bytes, Date.now());
    if (denied !== undefined) {
      this.ctx.metrics.error(denied.code);
      this.send(errorFrame(denied));
      if (denied.code === 'rate-limited') this.holdForRate(denied.retryAfterMs ?? rateHoldMsMax);
      return;
    }
    if (this.inFlight + this.backlog.length >= this.ctx.options.inFlightPerConnectionMax) {
      this.ctx.metrics.error('too-many-in-flight');
      this.send(errorFrameFor('too-many-in-flight', `${this.inFlight} requests in flight (inFlightMax ${this.ctx.options.inFlightPerConnectionMax}); wait for replies`, request.id));
      return;
    }
    if (this.paused || this.backlog.length > 0 || !this.canStart(bytes)) {
      this.backlog.push({ request, bytes });
      this.backlogBytes += bytes;
      this.runBacklog(); // registers for the node budget if that is what it waits for
      return;
    }
    this.start(request, bytes);
    this.updateReading();
  }

  /** Invariant 9: stops reading for `retryAfterMs` (capped); a hold already running is kept. */
  private holdForRate(retryAfterMs: number): void {
    if (this.rateHold !== undefined || this.state !== 'ready') return;
    this.ctx.metrics.connectionsHeldForRate++;
    this.rateHold = setTimeout(() => {
      this.rateHold = undefined;
      this.updateReading();
    }, Math.min(Math.max(retryAfterMs, 1), rateHoldMsMax));
    this.updateReading();
  }

  /** Invariant 8: the connection's running bytes (excluding the backlog) and the node's budget have room. */
  private canStart(bytes: number): boolean {
    const ownRoom = this.runningBytes === 0 || this.runningBytes + bytes <= this.ctx.options.requestBytesInFlightMax;
    return ownRoom && this.ctx.requestBudget.fits(bytes);
  }

  /** Request bytes this connection holds: running and waiting (for /status). */
  get requestBytes(): number {
    return this.runningBytes + this.backlogBytes;
  }

  private start(request: ClientRequest, bytes: number): void {
    if (request.type === 'ring' && request.watch === true) this.watchRing = true;
    this.inFlight++;
    this.ctx.inFlight++;
    this.runningBytes += bytes;
    this.ctx.requestBudget.take(bytes);
    const startedMs = performance.now();
    const reply = handleRequest(this.ctx.cluster as ClusterCore, this.ctx.codec, request);
    // A lone node's get is answered at once; everything else when its promise settles.
    if (reply instanceof Promise) void reply.then((r) => this.finish(request, bytes, r, startedMs));
    else this.finish(request, bytes, reply, startedMs);
  }

  /** Runs backlogged requests in order while they fit and the connection is not paused; waits for the node budget otherwise. */
  private runBacklog(): void {
    let i = 0;
    while (i < this.backlog.length && !this.paused && this.state === 'ready') {
      const next = this.backlog[i] as { request: ClientRequest; bytes: number };
      if (!this.canStart(next.bytes)) break;
      i++;
      this.backlogBytes -= next.bytes;
      this.start(next.request, next.bytes);
    }
    this.backlog = i === this.backlog.length ? [] : this.backlog.slice(i);
    if (this.backlog.length > 0 && !this.paused && this.state === 'ready') this.ctx.requestBudget.wait(this.onBudget);
    this.updateReading();
  }

  private readonly onBudget = (): void => {
    if (this.state === 'ready') this.runBacklog();
  };

  /**
   * Reads while nothing waits and the connection's request bytes are under
   * its bound, and neither reply backpressure (invariant 4) nor a stop holds
   * reading (invariant 8).
   */
  private updateReading(): void {
    if (this.state === 'closing') return;
    const overBytes = this.backlog.length > 0 || this.runningBytes >= this.ctx.options.requestBytesInFlightMax;
    if (overBytes && !this.bytesPaused) this.ctx.metrics.connectionsPausedForBytes++;
    this.bytesPaused = overBytes;
    const read = !overBytes && !this.paused && !this.readingStopped && this.rateHold === undefined;
    if (read === !this.readPaused) return;
    this.readPaused = !read;
    if (read) this.transport.resume();
    else this.transport.pause();
  }

  private finish(request: ClientRequest, bytes: number, reply: NodeReply, startedMs: number): void {
    const ok = reply.type !== 'error';
    if (!ok) this.ctx.metrics.error(reply.code);
    this.ctx.metrics.request(request.type as Op, ok, (performance.now() - startedMs) / 1000);
    this.inFlight--;
    this.ctx.inFlight--;
    this.runningBytes -= bytes;
    if (this.state !== 'closing') this.send(reply);
    this.ctx.requestBudget.release(bytes);
    if (this.backlog.length > 0) this.runBacklog();
    else this.updateReading();
    if (this.ctx.inFlight === 0) this.ctx.onDrained?.();
  }

  private send(message: Message): void {
    let frame: Uint8Array;
    try {
      frame = this.ctx.codec.encode(message);
    } catch (error) {
      // A reply the codec refuses (a bug or a limit mismatch) must still answer the request.
      const id = 'id' in message && typeof message.id === 'number' ? message.id : undefined;
      this.ctx.log.error({ err: error, peer: this.peer }, 'a reply could not be encoded');
      frame = this.ctx.codec.encode(errorFrameFor('internal', 'the reply could not be encoded', id));
    }
    this.ctx.metrics.bytesOut += frame.length;
    this.transport.send(frame);
    const queued = this.transport.bufferedAmount;
    if (queued > this.ctx.metrics.sendBufferPeakBytes) this.ctx.metrics.sendBufferPeakBytes = queued;
    if (queued > this.ctx.options.sendBufferBytesHigh && !this.paused) this.pause();
    if (queued > this.ctx.options.sendBufferBytesMax) this.dropSlow('its reply queue passed sendBufferBytesMax');
  }

  /** Sends the error frame and, when its code closes the connection (or before hello: always), closes (invariant 5). */
  private refuse(error: ProtocolError, closeCode = error.closeCode): void {
    this.ctx.metrics.error(error.code);
    this.send(errorFrame(error));
    if (closeCode === undefined && this.state !== 'hello') return;
    this.ctx.log.debug({ peer: this.peer, code: error.code }, 'closing a connection after a protocol error');
    this.close(closeCode ?? closeProtocolError, error.code);
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closing') return;
    const authenticated = this.state === 'ready';
    this.state = 'closing';
    clearTimeout(this.helloTimer);
    this.transport.close(code, reason, authenticated);
  }

  private pause(): void {
    this.paused = true;
    this.pausedSinceMs = Date.now();
    this.ctx.metrics.connectionsPaused++;
    this.updateReading();
    this.pauseTimer = setInterval(this.checkPaused, pausedCheckIntervalMs);
  }

  private readonly checkPaused = (): void => {
    const high = this.ctx.options.sendBufferBytesHigh;
    if (this.transport.bufferedAmount <= high * sendBufferLowFraction) {
      clearInterval(this.pauseTimer);
      this.paused = false;
      this.runBacklog(); // resumes reading unless request bytes still hold it
    } else if (Date.now() - this.pausedSinceMs > this.ctx.options.slowClientTimeoutMs) {
      this.dropSlow(`it read no replies for ${this.ctx.options.slowClientTimeoutMs} ms`);
    }
  };

  private dropSlow(why: string): void {
    if (this.state === 'closing') return;
    this.ctx.metrics.connectionsDroppedSlow++;
    this.ctx.log.warn({ peer: this.peer, bufferedBytes: this.transport.bufferedAmount }, `terminating a client: ${why}`);
    this.terminate();
  }

  private readonly onHelloTimeout = (): void => {
    if (this.state !== 'hello') return;
    this.refuse(protocolError('hello-required', `no hello within ${this.ctx.options.helloTimeoutMs} ms`));
  };

  /** The transport refused the stream and closed it (FrameSink). */
  onStreamError(code: 'frame-too-large' | 'malformed-frame', detail: string): void {
    this.ctx.metrics.error(code);
    this.ctx.log.debug({ peer: this.peer, code, err: detail }, 'the transport refused the stream');
    this.state = 'closing';
  }

  /** The TCP transport cannot read the stream further (tcp-transport.ts invariant 2): answer and close. */
  onStreamRefused(error: ProtocolError): void {
    this.refuse(error);
  }

  /** The socket closed (FrameSink). */
  onClosed(): void {
    this.state = 'closing';
    this.backlogBytes = 0;
    this.backlog = [];
    this.ctx.requestBudget.cancel(this.onBudget);
    clearTimeout(this.helloTimer);
    clearInterval(this.pauseTimer);
    clearTimeout(this.rateHold);
    this.ctx.connections.delete(this);
  }

  stopReading(): void {
    this.readingStopped = true;
    this.updateReading();
  }

  closeForShutdown(): void {
    if (this.state === 'closing') return;
    this.send(errorFrameFor('shutting-down', 'the node is shutting down; reconnect to another node'));
    this.close(closeGoingAway, 'shutting-down');
    // Read again so the client's close frame arrives; requests are ignored while closing.
    clearInterval(this.pauseTimer);
    this.transport.resume();
  }

  get tokenId(): string | undefined {
    return this.grant?.tokenId;
  }

  revoke(): void {
    if (this.state === 'closing') return;
    this.ctx.metrics.error('unauthorized');
    this.send(errorFrameFor('unauthorized', `token ${this.grant?.tokenId ?? ''} was revoked`));
    this.close(closePolicyViolation, 'unauthorized');
  }

  notifyRing(version: number): void {
    if (this.watchRing && this.state === 'ready') this.send({ type: 'ring-changed', version });
  }

  terminate(): void {
    this.state = 'closing';
    clearInterval(this.pauseTimer);
    this.transport.terminate();
  }
}
