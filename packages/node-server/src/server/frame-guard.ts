/**
 * Partial WebSocket messages on client and inbound peer connections (issue
 * 15, item 5: 250 connections each holding 4 MiB − 17 B of a frame took the
 * node from 89 MiB to 1.1 GB, and a sender trickling a byte every 2 s stayed
 * connected indefinitely). ws buffers an incomplete frame, and the fragments
 * of an incomplete message, inside its Receiver until the last byte arrives;
 * this guard reads the frame headers of the same byte stream (never copying a
 * payload) to know what ws holds. Raw TCP clients (tcp-transport.ts) split
 * their length-prefixed frames themselves and report what they hold
 * (`watchReported`, `report`); the same bounds apply to them.
 *
 * Invariants:
 *   1. A connection whose message has been incomplete for `frameReadTimeoutMs`
 *      (counted from the chunk that left it incomplete) is destroyed, unless
 *      the node itself paused reading it (backpressure: its own
 *      `slowClientTimeoutMs` applies then).
 *   2. Payload bytes of incomplete messages, summed over every connection,
 *      stay at most `partialFrameBytesMax`: past it, the connections whose
 *      incomplete messages started first are destroyed until the sum fits
 *      again. An honest message completes within a round trip or so, so the
 *      oldest is the one stalling.
 *   3. Until its hello (client `hello`, `peer-hello`) a connection's message
 *      may carry at most `helloFrameBytesMax` payload bytes; a header that
 *      announces more destroys the connection before ws buffers the payload.
 *
 * Concurrency: event-loop callbacks only. Each connection's `data` listener
 * is added after ws's own (in the upgrade callback), so a hello completed in
 * a chunk is handled (and `identified`) before the guard reads the frames
 * that follow it in the same chunk.
 */
import type { Duplex } from 'node:stream';

/** The bounds the guard applies (from the node's options and limits). */
export interface FrameGuardLimits {
  readonly frameReadTimeoutMs: number;
  readonly partialFrameBytesMax: number;
  readonly helloFrameBytesMax: number;
}

/** Counters for /status and /metrics. */
export interface FrameGuardStats {
  /** Connections destroyed by the read deadline (invariant 1). */
  timedOut: number;
  /** Connections destroyed to keep partial bytes under `partialFrameBytesMax` (invariant 2). */
  dropped: number;
  /** Connections destroyed for a frame larger than `helloFrameBytesMax` before their hello (invariant 3). */
  refusedBeforeHello: number;
}

/** Largest WebSocket frame header: 2 bytes, an 8-byte extended length, a 4-byte mask key. */
const headerBytesMax = 14;

/** Where one connection's byte stream stands. */
class Tracker {
  readonly header = Buffer.alloc(headerBytesMax);
  headerHave = 0;
  headerNeed = 2;
  /** Payload bytes of the current frame still to come. */
  payloadLeft = 0;
  /** The current frame is a control frame (ping, pong, close): not part of a message. */
  control = false;
  fin = true;
  /** A data frame without FIN was completed: the message continues in the next frame. */
  fragmented = false;
  /** Payload bytes of the incomplete message (what ws holds for it). */
  held = 0;
  /** When the incomplete message was first seen incomplete; 0 when none. */
  startedAtMs = 0;
  timer: NodeJS.Timeout | undefined;
  identified = false;
  closed = false;

  constructor(readonly socket: Duplex) {}

  get incomplete(): boolean {
    return this.headerHave > 0 || this.payloadLeft > 0 || this.fragmented || this.held > 0;
  }
}

/** One per node; the upgrade handlers `watch` each client and peer socket. */
export class FrameGuard {
  readonly stats: FrameGuardStats = { timedOut: 0, dropped: 0, refusedBeforeHello: 0 };
  /** Payload bytes of incomplete messages on every connection. */
  private heldBytes = 0;
  /** Trackers with an incomplete message, oldest start first (Map order). */
  private readonly partial = new Map<Tracker, true>();
  private readonly trackers = new WeakMap<Duplex, Tracker>();

  constructor(private readonly limits: FrameGuardLimits) {}

  /** Bytes held in incomplete messages now, and the connections holding them (for /status). */
  get partialBytes(): number {
    return this.heldBytes;
  }

  get partialConnections(): number {
    return this.partial.size;
  }

  /** Starts reading `socket`'s frames; call after ws took the socket (in the upgrade callback). */
  watch(socket: Duplex): void {
    const t = new Tracker(socket);
    this.trackers.set(socket, t);
    socket.on('data', (chunk: Buffer) => this.onData(t, chunk));
    socket.once('close', () => this.release(t));
  }

  /**
   * Starts tracking a stream whose transport splits the frames itself and
   * calls `report` after each chunk (raw TCP, tcp-transport.ts).
   */
  watchReported(socket: Duplex): void {
    const t = new Tracker(socket);
    this.trackers.set(socket, t);
    socket.once('close', () => this.release(t));
  }

  /**
   * `socket` (tracked by `watchReported`) holds `heldBytes` of an incomplete
   * frame after its latest chunk; 0 when its frames are complete.
   * `completed` says the chunk completed at least one frame: a frame still
   * incomplete then is a new one, whose clock starts now. Applies the
   * deadline and the node-wide bound (invariants 1, 2).
   */
  report(socket: Duplex, heldBytes: number, completed: boolean): void {
    const t = this.trackers.get(socket);
    if (t === undefined || t.closed) return;
    this.heldBytes += heldBytes - t.held;
    t.held = heldBytes;
    if (completed) t.startedAtMs = 0;
    this.settle(t);
  }

  /** True once `socket` said a good hello: its frames may be as large as the frame bound. */
  isIdentified(socket: Duplex): boolean {
    return this.trackers.get(socket)?.identified === true;
  }

  /** Invariant 3 for a transport that reads its own lengths: counts the refusal and destroys `socket`. */
  refuseBeforeHello(socket: Duplex): void {
    const t = this.trackers.get(socket);
    this.stats.refusedBeforeHello++;
    if (t === undefined) socket.destroy();
    else this.destroy(t);
  }

  /** The connection said a good hello: its messages may be as large as the frame bound (ws's `maxPayload`). */
  identified(socket: Duplex): void {
    const t = this.trackers.get(socket);
    if (t !== undefined) t.identified = true;
  }

  private onData(t: Tracker, chunk: Buffer): void {
    if (t.closed) return;
    if (!this.parse(t, chunk)) return;
    this.settle(t);
  }

  /** After a chunk: clears or starts the incomplete message's clock and enforces the bound. */
  private settle(t: Tracker): void {
    if (!t.incomplete) {
      t.startedAtMs = 0;
      this.partial.delete(t);
      return;
    }
    if (t.startedAtMs === 0) {
      t.startedAtMs = Date.now();
      this.partial.delete(t);
      this.partial.set(t, true);
    }
    if (t.timer === undefined) this.arm(t, this.limits.frameReadTimeoutMs);
    this.enforceBound();
  }

  /** Walks the frame headers of `chunk`; false when the connection was destroyed (invariant 3). */
  private parse(t: Tracker, chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (t.payloadLeft > 0) {
        const take = Math.min(t.payloadLeft, chunk.length - i);
        t.payloadLeft -= take;
        i += take;
        if (!t.control) {
          t.held += take;
          this.heldBytes += take;
        }
        if (t.payloadLeft === 0) this.frameDone(t);
        continue;
      }
      t.header[t.headerHave++] = chunk[i++] as number;
      if (t.headerHave === 2) t.headerNeed = headerLength(t.header);
      if (t.headerHave < t.headerNeed) continue;
      t.headerHave = 0;
      const length = payloadLength(t.header);
      t.fin = ((t.header[0] as number) & 0x80) !== 0;
      t.control = ((t.header[0] as number) & 0x08) !== 0;
      if (!t.identified && !t.control && t.held + length > this.limits.helloFrameBytesMax) {
        this.stats.refusedBeforeHello++;
        this.destroy(t);
        return false;
      }
      t.payloadLeft = length;
      if (length === 0) this.frameDone(t);
    }
    return true;
  }

  private frameDone(t: Tracker): void {
    if (t.control) return;
    if (!t.fin) {
      t.fragmented = true;
      return;
    }
    // A complete message: ws hands it over and keeps none of it.
    t.fragmented = false;
    this.heldBytes -= t.held;
    t.held = 0;
    t.startedAtMs = 0;
  }

  private arm(t: Tracker, delayMs: number): void {
    t.timer = setTimeout(() => this.onTimer(t), delayMs);
    t.timer.unref();
  }

  /** The deadline check runs lazily: a message that completed leaves the timer to find nothing to do. */
  private onTimer(t: Tracker): void {
    t.timer = undefined;
    if (t.closed || !t.incomplete || t.startedAtMs === 0) return;
    const leftMs = t.startedAtMs + this.limits.frameReadTimeoutMs - Date.now();
    const pausedByNode = t.socket.isPaused();
    if (leftMs > 0 || pausedByNode) return this.arm(t, Math.max(leftMs, this.limits.frameReadTimeoutMs / 4));
    this.stats.timedOut++;
    this.destroy(t);
  }

  private enforceBound(): void {
    while (this.heldBytes > this.limits.partialFrameBytesMax) {
      const oldest = first(this.partial.keys());
      if (oldest === undefined) return;
      this.stats.dropped++;
      this.destroy(oldest);
    }
  }

  private destroy(t: Tracker): void {
    this.release(t);
    t.socket.destroy();
  }

  /** Forgets a connection's bytes (closed or destroyed); idempotent. */
  private release(t: Tracker): void {
    if (t.closed) return;
    t.closed = true;
    clearTimeout(t.timer);
    this.heldBytes -= t.held;
    t.held = 0;
    this.partial.delete(t);
  }
}

/** Bytes of a frame header from its first two bytes: the extended length and the mask key (RFC 6455 §5.2). */
function headerLength(h: Buffer): number {
  const len7 = (h[1] as number) & 0x7f;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + extended + (((h[1] as number) & 0x80) !== 0 ? 4 : 0);
}

/** The payload length of a complete header; a 64-bit length past 2^53 reads as Infinity (ws refuses it anyway). */
function payloadLength(h: Buffer): number {
  const len7 = (h[1] as number) & 0x7f;
  if (len7 === 126) return h.readUInt16BE(2);
  if (len7 === 127) {
    const high = h.readUInt32BE(2);
    return high > 0x1fffff ? Infinity : high * 2 ** 32 + h.readUInt32BE(6);
  }
  return len7;
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
