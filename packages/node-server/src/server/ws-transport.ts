/**
 * A client connection's frames over a WebSocket (ws): one binary message
 * per frame. ws frames, masks and limits (`maxPayload`) the messages; the
 * frame guard (frame-guard.ts) watches its partial messages.
 *
 * Invariants:
 *   1. Frames sent in one turn of the event loop leave in one socket write:
 *      the raw socket is corked until `process.nextTick`; frames stay
 *      separate WebSocket messages.
 *   2. Before hello a close drops the socket once the close frame is written
 *      (close-now.ts); after it, ws's closing handshake is kept.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { closeWithoutHandshake } from './close-now.js';
import type { ClientTransport, FrameSink } from './transport.js';

/** The WebSocket transport of one client connection. */
export class WebSocketTransport implements ClientTransport {
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  /** Starts delivering `sink` the socket's events. */
  bind(sink: FrameSink): void {
    // binaryType 'nodebuffer': one Buffer per message.
    this.ws.on('message', (data: RawData, isBinary: boolean) => sink.onFrame(data as Buffer, isBinary));
    this.ws.on('close', () => sink.onClosed());
    this.ws.on('error', (error: Error & { code?: string }) => {
      // ws has already closed (1009 for maxPayload, 1002/1007 for bad WebSocket framing).
      sink.onStreamError(error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame-too-large' : 'malformed-frame', error.message);
    });
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Uint8Array): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.ws.send(frame);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(code: number, reason: string, authenticated: boolean): void {
    if (authenticated) this.ws.close(code, reason);
    else closeWithoutHandshake(this.ws, this.socket, code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
