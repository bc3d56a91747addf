/**
 * The seam between a client connection (connection.ts: hello, requests,
 * budgets, backpressure) and the bytes it travels on: a WebSocket
 * (ws-transport.ts) or a raw length-prefixed TCP stream (tcp-transport.ts).
 * The connection never touches either directly, so both transports get the
 * same protections from the same code.
 */

/** What a transport does for its connection. */
export interface ClientTransport {
  /**
   * Queues one frame. Frames queued in the same turn of the event loop
   * leave in one socket write.
   */
  send(frame: Uint8Array): void;
  /** Reply bytes queued and not yet written to the kernel (backpressure, connection.ts invariant 4). */
  readonly bufferedAmount: number;
  /** Stops reading the socket; frames already read may still be delivered. */
  pause(): void;
  resume(): void;
  /**
   * Closes after the queued frames. `authenticated` (after a good hello)
   * waits for the client to close its side, bounded; otherwise the socket
   * is dropped once the queued bytes are written (close-now.ts).
   * `code` is the WebSocket close code (a TCP stream has none: its error
   * frame carries the code).
   */
  close(code: number, reason: string, authenticated: boolean): void;
  /** Drops the socket at once. */
  terminate(): void;
}

/** What a transport delivers to its connection. */
export interface FrameSink {
  /** One complete frame; `binary` false for a WebSocket text frame. */
  onFrame(frame: Uint8Array, binary: boolean): void;
  /** The transport refused the stream itself (`frame-too-large`, `malformed-frame`) and has closed it. */
  onStreamError(code: 'frame-too-large' | 'malformed-frame', detail: string): void;
  /** The socket closed, for any reason; called once. */
  onClosed(): void;
}
