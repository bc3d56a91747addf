/**
 * The platform's own WebSocket (browsers, Deno, Node >= 22), with no
 * reference to `ws`: this is all the browser entry loads.
 */

import { RingkvError } from './errors.js';
import type { WebSocketFactory, WebSocketLike } from './ports.js';

/** A WebSocket constructor: the WHATWG one, or `ws` (which takes options). */
export type WebSocketClass = new (url: string, options?: unknown) => WebSocketLike;

/** The global `WebSocket` constructor, if the platform has one. */
export function globalWebSocket(): WebSocketClass | undefined {
  const candidate = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof candidate === 'function' ? (candidate as WebSocketClass) : undefined;
}

/**
 * The browser entry's default factory: the global `WebSocket` (it cannot
 * bound frame sizes; the codec still refuses oversized frames). Rejects with
 * `not-connected` when the platform has none: pass `options.webSocket`.
 */
export async function globalWebSocketFactory(): Promise<WebSocketFactory> {
  const Global = globalWebSocket();
  if (Global === undefined) {
    throw new RingkvError('not-connected', 'client-sdk: this platform has no global WebSocket; pass options.webSocket');
  }
  return (url) => new Global(url);
}
