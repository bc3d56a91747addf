/**
 * The seams the SDK consumes: time, randomness and the WebSocket. Tests
 * inject their own; the defaults are the platform's (see `system.ts` and
 * `websocket.ts`).
 */

/** Time and timers. `setTimer` returns a handle for `clearTimer`. */
export interface Clock {
  /** Milliseconds; must never decrease (request deadlines are measured on it). */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** A uniform number in [0, 1): used for reconnect jitter only. */
export type Random = () => number;

/** The event shapes the SDK reads (a subset of the WHATWG WebSocket events, which `ws` also emits). */
export interface WebSocketMessageEvent {
  readonly data: unknown;
}
/** The close event: the WebSocket close code and reason. */
export interface WebSocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}

/**
 * The subset of the WHATWG `WebSocket` the SDK uses. Browsers' global
 * `WebSocket` and `ws`'s class both satisfy it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: WebSocketMessageEvent) => void) | null;
  onclose: ((event: WebSocketCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a socket to `url`; `frameBytesMax` bounds incoming frames where the implementation can (ws's `maxPayload`). */
export type WebSocketFactory = (url: string, frameBytesMax: number) => WebSocketLike;
