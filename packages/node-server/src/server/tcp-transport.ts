/**
 * A client connection's frames over raw TCP (issue 12): after the preamble
 * (tcp-accept.ts), each frame is a 4-byte big-endian length and the frame
 * (`@ringkv/protocol` tcp-framing). No WebSocket framing, masking or
 * per-message bookkeeping: this is the cheaper transport for Node clients.
 *
 * Invariants:
 *   1. Frames sent in one turn of the event loop leave in one socket write:
 *      they are collected until `process.nextTick` and written as one buffer
 *      (or, above `tcpJoinBytesMax`, as one corked writev without copying),
 *      by protocol's `TurnWriter`, which the SDK's TCP socket shares.
 *   2. Until the connection's good hello a frame may announce at most
 *      `helloFrameBytesMax` bytes: a larger length destroys the socket
 *      before its payload is read (frame-guard.ts invariant 3). After it, a
 *      length over `frameBytesMax` (or of 0) is answered with
 *      `frame-too-large` (or `malformed-frame`) and the connection closes.
 *   3. The bytes of an incomplete frame are reported to the frame guard after
 *      every chunk, so its deadline and node-wide bound hold as for
 *      WebSocket clients.
 *   4. The client's end of its side ends ours after what is queued (the
 *      HTTP server accepts sockets half-open). A close sends what is queued, then shuts the socket's write side; an
 *      authenticated client then has `tcpCloseLingerMs` to close its side
 *      (what it still sends is read and dropped), an anonymous one none.
 */
import type { Socket } from 'node:net';
import { LengthPrefixedReader, TurnWriter, type ProtocolError } from '@ringkv/protocol';
import { tcpCloseLingerMs, tcpJoinBytesMax } from '../limits.js';
import type { FrameGuard } from './frame-guard.js';
import type { ClientTransport, FrameSink } from './transport.js';

/** What the sink of a TCP transport also takes: refusals of the stream it must answer itself (invariant 2). */
export interface TcpFrameSink extends FrameSink {
  /** The stream cannot be read further: answer with `error` and close. */
  onStreamRefused(error: ProtocolError): void;
}

/** The bounds a TCP transport applies. */
export interface TcpTransportLimits {
  readonly frameBytesMax: number;
  readonly helloFrameBytesMax: number;
}

/** The raw TCP transport of one client connection. */
export class TcpTransport implements ClientTransport {
  private readonly reader: LengthPrefixedReader;
  private sink: TcpFrameSink | undefined;
  private identified = false;
  private readonly writer: TurnWriter;
  private closing = false;
  /** Held bytes last reported to the frame guard (invariant 3). */
  private reportedBytes = 0;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly frames: FrameGuard,
    private readonly limits: TcpTransportLimits,
  ) {
    this.reader = new LengthPrefixedReader(limits.helloFrameBytesMax);
    // Node's pooled, unzeroed Buffers: a socket takes a Buffer without converting it.
    this.writer = new TurnWriter(socket, { schedule: process.nextTick, joinBytesMax: tcpJoinBytesMax, alloc: Buffer.allocUnsafe });
  }

  /** Starts delivering `sink` the socket's frames, beginning with `first` (the bytes read after the preamble). */
  bind(sink: TcpFrameSink, first: Uint8Array): void {
    this.sink = sink;
    this.socket.on('close', () => {
      clearTimeout(this.lingerTimer);
      sink.onClosed();
    });
    // The HTTP server accepts half-open sockets: the client's end closes ours (after what is queued).
    this.socket.once('end', () => {
      this.writer.flush();
      this.socket.end();
    });
    if (first.byteLength > 0) this.onData(first);
    if (!this.socket.destroyed) {
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
      this.socket.resume();
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.closing) return; // closing: what the client still sends is dropped (invariant 4)
    let completed = false;
    const problem = this.reader.push(chunk, (frame) => {
      completed = true;
      (this.sink as TcpFrameSink).onFrame(frame, true);
      if (!this.identified && this.frames.isIdentified(this.socket)) {
        this.identified = true;
        this.reader.frameBytesMax = this.limits.frameBytesMax;
      }
      return !this.closing && !this.socket.destroyed;
    });
    if (problem !== undefined) return this.refuse(problem);
    const held = this.reader.heldBytes;
    if (held !== 0 || this.reportedBytes !== 0) {
      this.reportedBytes = held;
      this.frames.report(this.socket, held, completed);
    }
  }

  private refuse(problem: ProtocolError): void {
    if (!this.identified && problem.code === 'frame-too-large') return this.frames.refuseBeforeHello(this.socket);
    this.frames.report(this.socket, 0, true);
    (this.sink as TcpFrameSink).onStreamRefused(problem);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength + this.writer.pendingBytes;
  }

  /** Queues `bytes` as they are (no length prefix), ahead of the frames of this turn: the node's preamble. */
  sendRaw(bytes: Uint8Array): void {
    this.writer.preface(bytes);
  }

  send(frame: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.writer.push(frame);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(_code: number, _reason: string, authenticated: boolean): void {
    if (this.closing) return;
    this.closing = true;
    this.writer.flush();
    this.socket.end();
    if (!authenticated) {
      if (this.socket.writableFinished) this.socket.destroy();
      else this.socket.once('finish', () => this.socket.destroy());
      return;
    }
    this.lingerTimer = setTimeout(() => this.socket.destroy(), tcpCloseLingerMs);
    this.lingerTimer.unref();
  }

  terminate(): void {
    this.socket.destroy();
  }
}
