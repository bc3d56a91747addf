/**
 * Picks the WebSocket implementation: the global `WebSocket` when the
 * platform has one (browsers, Deno, Node ≥ 22), otherwise the `ws` package,
 * imported lazily so browser bundles never need it (package.json maps `ws`
 * to `false` under "browser").
 *
 * Invariant: the factory is resolved once per client, before the first
 * socket opens, so every connection of a client uses the same implementation.
 */

import type { WebSocketFactory, WebSocketLike } from './ports.js';

type WebSocketClass = new (url: string, options?: unknown) => WebSocketLike;

/** The global `WebSocket` constructor, if the platform has one. */
function globalWebSocket(): WebSocketClass | undefined {
  const candidate = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof candidate === 'function' ? (candidate as WebSocketClass) : undefined;
}

/**
 * The default factory: global `WebSocket` if present (it cannot bound frame
 * sizes; the codec still refuses oversized frames), else `ws` with
 * `maxPayload` so oversized frames are refused before they are buffered.
 */
export async function defaultWebSocketFactory(): Promise<WebSocketFactory> {
  const Global = globalWebSocket();
  if (Global !== undefined) return (url) => new Global(url);
  const moduleName = 'ws';
  const ws = (await import(/* @vite-ignore */ moduleName)) as { default: WebSocketClass };
  const Ws = ws.default;
  return (url, frameBytesMax) => new Ws(url, { maxPayload: frameBytesMax, perMessageDeflate: false });
}
