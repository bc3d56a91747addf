/**
 * Picks the WebSocket implementation for Node: the global `WebSocket` when
 * the platform has one (Node ≥ 22), otherwise the `ws` package, imported
 * lazily. Browsers get `websocket-global.ts` instead, through the `browser`
 * export condition (`browser.ts`), so their bundles never need `ws`.
 *
 * Invariant: the factory is resolved once per client, before the first
 * socket opens, so every connection of a client uses the same implementation.
 */

import type { WebSocketFactory } from './ports.js';
import { globalWebSocket, type WebSocketClass } from './websocket-global.js';
import { caList } from './tcp-socket.js';
import type { TlsCa } from './types.js';

/**
 * The default factory: global `WebSocket` if present (it cannot bound frame
 * sizes; the codec still refuses oversized frames), else `ws` with
 * `maxPayload` so oversized frames are refused before they are buffered.
 */
export async function defaultWebSocketFactory(ca?: TlsCa): Promise<WebSocketFactory> {
  const Global = globalWebSocket();
  // The global WebSocket takes no CA: with one, `ws` verifies wss:// nodes against it.
  if (Global !== undefined && ca === undefined) return (url) => new Global(url);
  const moduleName = 'ws';
  const ws = (await import(/* @vite-ignore */ moduleName)) as { default: WebSocketClass };
  const Ws = ws.default;
  const tls = ca === undefined ? {} : { ca: caList(ca) };
  return (url, frameBytesMax) => new Ws(url, { maxPayload: frameBytesMax, perMessageDeflate: false, ...tls });
}
