/**
 * Which transport a client speaks: WebSocket (every platform) or raw TCP
 * (Node only; tcp-socket.ts). Chosen once per client, so the seed and every
 * pooled connection use the same one.
 *
 * Invariants:
 *   1. `transport: 'tcp'`, or a `tcp://` seed, selects TCP; with TCP a
 *      `ws://` URL (a seed, or a ring member's address) is dialled over TCP
 *      at the same host and port, which the node serves both on.
 *   2. `transport: 'websocket'` with a `tcp://` seed, `transport: 'tcp'`
 *      with a `wss://` seed (TCP has no TLS), or any other value, is
 *      `invalid-argument`.
 */

import { RingkvError } from './errors.js';
import { describeArg } from './validate.js';

/** The client transports. */
export type Transport = 'websocket' | 'tcp';

/** True for a `tcp://` URL. */
export function isTcpUrl(url: string): boolean {
  return url.startsWith('tcp://');
}

/**
 * The transport for `seeds` and `requested` (the `transport` option),
 * per invariants 1 and 2. Throws `invalid-argument`.
 */
export function chooseTransport(seeds: string | readonly string[], requested: unknown): Transport {
  const list: readonly unknown[] = typeof seeds === 'string' ? [seeds] : Array.isArray(seeds) ? seeds : [];
  const anyTcp = list.some((s) => typeof s === 'string' && isTcpUrl(s));
  if (requested === undefined) return anyTcp ? 'tcp' : 'websocket';
  if (requested !== 'tcp' && requested !== 'websocket') {
    throw new RingkvError('invalid-argument', `transport must be 'websocket' or 'tcp', got ${describeArg(requested)}`);
  }
  if (requested === 'websocket' && anyTcp) throw new RingkvError('invalid-argument', "a tcp:// seed needs transport 'tcp' (or no transport option)");
  if (requested === 'tcp' && list.some((s) => typeof s === 'string' && s.startsWith('wss://'))) {
    throw new RingkvError('invalid-argument', "transport 'tcp' has no TLS: wss:// seeds need transport 'websocket'");
  }
  return requested;
}
