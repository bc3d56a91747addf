/**
 * Which transport a client speaks: WebSocket (every platform) or raw TCP
 * (Node only; tcp-socket.ts). Chosen once per client, so the seed and every
 * pooled connection use the same one.
 *
 * Invariants:
 *   1. `transport: 'tcp'`, or a `tcp://` or `tls://` seed, selects TCP;
 *      with TCP a `ws://` URL (a seed, or a ring member's address) is
 *      dialled over TCP at the same host and port, which the node serves
 *      both on, and a `wss://` one over TCP inside TLS (as `tls://`).
 *   2. `transport: 'websocket'` with a `tcp://` or `tls://` seed, or any
 *      other value, is `invalid-argument`.
 */

import { RingkvError } from './errors.js';
import { describeArg } from './validate.js';

/** The client transports. */
export type Transport = 'websocket' | 'tcp';

/** True for a `tcp://` or `tls://` URL (the raw TCP transport, plain or inside TLS). */
export function isTcpUrl(url: string): boolean {
  return url.startsWith('tcp://') || url.startsWith('tls://');
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
  if (requested === 'websocket' && anyTcp) throw new RingkvError('invalid-argument', "a tcp:// or tls:// seed needs transport 'tcp' (or no transport option)");
  return requested;
}
