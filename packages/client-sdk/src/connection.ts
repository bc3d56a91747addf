/**
 * One WebSocket to one node: opening it, the hello handshake, and turning
 * frames into decoded messages. It knows nothing of requests; the client
 * (`client.ts`) pairs replies with requests.
 *
 * Concurrency: callbacks run on the event loop, one frame at a time.
 * Invariants:
 *   1. `openConnection` settles exactly once: with a connection whose hello
 *      was accepted, or with a `RingkvError` (never hangs: a timer bounds it).
 *   2. After the handshake every frame reaches exactly one handler:
 *      `onMessage` for a valid message, `onFatal` for a frame that cannot be
 *      trusted; `onClose` fires once, when the socket closes for any reason.
 *   3. Every frame is decoded and validated by the protocol codec before use.
 */

import {
  PROTOCOL_VERSION,
  errorCodeTable,
  type AdvertisedLimits,
  type HelloOkMessage,
  type Message,
  type ProtocolError,
  type WireCodec,
} from '@ringkv/protocol';
import { RingkvError, fromProtocolCode } from './errors.js';
import type { Clock, WebSocketFactory, WebSocketLike, WebSocketMessageEvent } from './ports.js';

/** What a connection needs to open. */
export interface ConnectionDeps {
  readonly factory: WebSocketFactory;
  readonly codec: WireCodec;
  readonly clock: Clock;
  readonly connectTimeoutMs: number;
  readonly clientName: string;
  readonly authToken: string | undefined;
}

/** Receivers of a connection's events after the handshake. */
export interface ConnectionHandlers {
  onMessage(message: Message): void;
  onFatal(error: ProtocolError): void;
  onClose(code: number, reason: string): void;
}

/** How long `close()` waits for the closing handshake before dropping the socket. */
const closeWaitMs = 1_000;

const openState = 1;

/** A socket whose hello was accepted. */
export class Connection {
  private handlers: ConnectionHandlers | undefined;
  private closed = false;
  /** When the last frame arrived (clock ms): a connection silent for a whole request timeout is presumed dead. */
  lastReceiveMs: number;
  private closeWaiters: Array<() => void> = [];

  constructor(
    readonly url: string,
    private readonly socket: WebSocketLike,
    readonly hello: HelloOkMessage,
    private readonly deps: ConnectionDeps,
  ) {
    this.lastReceiveMs = deps.clock.now();
    socket.onmessage = (event) => this.receive(event);
    socket.onclose = (event) => this.closedBy(event.code, event.reason);
    socket.onerror = () => {};
  }

  /** The node's id, from its hello-ok. */
  get nodeId(): string {
    return this.hello.nodeId;
  }

  /** The limits the node enforces. */
  get limits(): AdvertisedLimits {
    return this.hello.limits;
  }

  /** True until the socket has closed or started closing. */
  get open(): boolean {
    return !this.closed && this.socket.readyState === openState;
  }

  /** Bytes queued in the socket, not yet sent. */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** Starts delivering events; frames that arrived before are not replayed (none can: requests start after this). */
  listen(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  /** Sends one frame; a closed socket drops it (its requests fail when `onClose` fires). */
  send(frame: Uint8Array): void {
    if (this.open) this.socket.send(frame);
  }

  /**
   * Closes the socket and resolves once it is closed, or after a short wait
   * (a dead peer never answers the closing handshake; `ws` sockets are then
   * terminated).
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimer(() => {
        const terminate = (this.socket as { terminate?: () => void }).terminate;
        if (typeof terminate === 'function') terminate.call(this.socket);
        this.closedBy(1006, 'close timed out');
      }, closeWaitMs);
      this.closeWaiters.push(() => {
        this.deps.clock.clearTimer(timer);
        resolve();
      });
      try {
        this.socket.close(code, reason);
      } catch {
        // Browsers only let a page close with 1000 or 3000–4999.
        try {
          this.socket.close();
        } catch {
          this.closedBy(1006, 'close failed');
        }
      }
    });
  }

  private receive(event: WebSocketMessageEvent): void {
    if (this.closed || this.handlers === undefined) return;
    this.lastReceiveMs = this.deps.clock.now();
    const result = decodeEvent(this.deps.codec, event);
    if (result.ok) this.handlers.onMessage(result.message);
    else this.handlers.onFatal(result.error);
  }

  private closedBy(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.onmessage = null;
    this.handlers?.onClose(code, reason);
    for (const wake of this.closeWaiters.splice(0)) wake();
  }
}

type Decoded = { ok: true; message: Message } | { ok: false; error: ProtocolError };

function decodeEvent(codec: WireCodec, event: WebSocketMessageEvent): Decoded {
  const data = event.data;
  if (data instanceof ArrayBuffer) return codec.decode(data);
  // A Node Buffer is re-viewed as a plain Uint8Array (no copy), so byte values reach users as Uint8Array everywhere.
  if (data instanceof Uint8Array) return codec.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  // Text frames are not part of the protocol; decoding an empty frame yields the right error.
  return codec.decode(new Uint8Array(0));
}

/**
 * Opens a socket to `url`, sends hello and waits for hello-ok. Rejects with
 * `not-connected` (unreachable, closed, too slow) or the node's own code
 * (`unauthorized`, `unsupported-version`, …). `onCancel` receives a function
 * that abandons the attempt (rejecting with `closed`) and drops the socket.
 */
export function openConnection(url: string, deps: ConnectionDeps, onCancel?: (cancel: () => void) => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = deps.factory(url, deps.codec.limits.frameBytesMax);
      // Browsers default to Blob; ws's own 'nodebuffer' (a Uint8Array) is kept, which saves ws a copy per frame.
      if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    } catch (cause) {
      reject(new RingkvError('not-connected', `cannot open ${url}: ${describe(cause)}`, { cause }));
      return;
    }
    let settled = false;
    const finish = (outcome: Connection | RingkvError): void => {
      if (settled) return;
      settled = true;
      deps.clock.clearTimer(timer);
      if (outcome instanceof Connection) return resolve(outcome);
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.onerror = () => {};
      dropSocket(socket);
      reject(outcome);
    };
    const timer = deps.clock.setTimer(
      () => finish(new RingkvError('not-connected', `${url}: no hello-ok within ${deps.connectTimeoutMs} ms`)),
      deps.connectTimeoutMs,
    );
    onCancel?.(() => finish(new RingkvError('closed', `${url}: connect cancelled by close()`)));
    socket.onopen = () => sendHello(socket, deps, url, finish);
    socket.onmessage = (event) => finish(handshakeReply(url, socket, deps, event));
    // A socket error's text (ws and the TCP transport give one; browsers do not) says why the close came: a TLS verification failure, a refused port.
    let errorText = '';
    socket.onerror = (event) => {
      errorText = errorEventText(event);
    };
    socket.onclose = (event) => {
      const why = event.reason || errorText;
      finish(new RingkvError('not-connected', `${url}: connection closed during connect (code ${event.code}${why ? `, ${why}` : ''})${tlsHint(why)}`, { closeCode: event.code }));
    };
  });
}

function sendHello(socket: WebSocketLike, deps: ConnectionDeps, url: string, finish: (e: RingkvError) => void): void {
  try {
    const authToken = deps.authToken === undefined ? {} : { authToken: deps.authToken };
    socket.send(deps.codec.encode({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: deps.clientName, ...authToken }));
  } catch (cause) {
    finish(new RingkvError('invalid-argument', `${url}: cannot send hello: ${describe(cause)}`, { cause }));
  }
}

function handshakeReply(url: string, socket: WebSocketLike, deps: ConnectionDeps, event: WebSocketMessageEvent): Connection | RingkvError {
  const result = decodeEvent(deps.codec, event);
  if (!result.ok) {
    return fromProtocolCode(result.error.code, `${url}: bad hello reply: ${result.error.message}`, false, { cause: result.error });
  }
  const message = result.message;
  if (message.type === 'hello-ok') return new Connection(url, socket, message, deps);
  if (message.type === 'error') {
    return new RingkvError(message.code, `${url} refused the connection: ${message.message}`, {
      closeCode: errorCodeTable[message.code].closeCode,
    });
  }
  return new RingkvError('invalid-message', `${url}: expected hello-ok, got ${message.type}`);
}

function dropSocket(socket: WebSocketLike): void {
  try {
    const terminate = (socket as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(socket);
    else socket.close();
  } catch {
    // Closing a socket that never opened may throw; it is gone either way.
  }
}

/** The message of an error event: ws's ErrorEvent and the TCP transport's Error carry one. */
function errorEventText(event: unknown): string {
  const e = event as { message?: unknown; error?: { message?: unknown } } | null;
  const text = e?.message ?? e?.error?.message;
  return typeof text === 'string' ? text : '';
}

/** A hint for a certificate the client could not verify: the usual cause is a cluster CA the client was not given. */
function tlsHint(why: string): string {
  return /certificate|self.signed|unable to verify|CERT_|altnames/i.test(why) ? ": the node's TLS certificate did not verify; pass the cluster CA (connect(url, { ca }), ringkv --tls-ca FILE)" : '';
}

/** A short description of an unknown thrown value. */
export function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
