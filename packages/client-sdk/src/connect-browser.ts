/**
 * `connect` for browsers (the `browser` export condition): the global
 * `WebSocket` only, so bundles never contain or look up `ws`.
 */

import { openClient, type RingkvClient } from './api.js';
import type { ClientOptions } from './types.js';
import { globalWebSocketFactory } from './websocket-global.js';
import { RingkvError } from './errors.js';
import { chooseTransport } from './transport.js';

/**
 * Connects to a ringkv node and resolves once one seed accepted the hello
 * (and, with token-aware routing, once the ring was asked for).
 *
 * When to use: once per process (or page); share the client, it pipelines.
 * Details: `seeds` is a `ws://host:port` URL or a list; the client tries
 * them in order, and after a connection is lost it fails over to the next
 * one, round-robin, with capped exponential backoff and jitter between full
 * rounds. With `routing: 'token-aware'` (the default) it also learns the
 * cluster's ring and sends each request straight to a replica of its key
 * over a pooled connection, falling back to the seed connection (any node
 * forwards). Uses the global `WebSocket` (or `options.webSocket`); this entry
 * (the `browser` export condition) never loads `ws`.
 * Gotchas: browsers speak WebSocket only: a `tcp://` or `tls://` seed or
 * `transport: 'tcp'` rejects at once with `invalid-argument`, and so does
 * `options.ca` (a browser trusts its own store for `wss://`).
 * Rejects with `not-connected` when no seed answers in one round,
 * with `unauthorized` for a wrong token, and with `not-connected` at once
 * when the platform has no global `WebSocket` and none was passed; call `close()` when done, or the
 * socket keeps Node running.
 */
export async function connect(seeds: string | readonly string[], options: ClientOptions = {}): Promise<RingkvClient> {
  return openClient(seeds, options, () => {
    if (options.ca !== undefined) {
      throw new RingkvError('invalid-argument', "the browser build cannot take options.ca: browsers verify wss:// nodes against their own trust store (install the cluster CA there, or serve certificates of a CA it trusts)");
    }
    if (chooseTransport(seeds, options.transport) === 'tcp') {
      throw new RingkvError('invalid-argument', "the browser build speaks WebSocket only: raw TCP (tcp:// seeds, transport 'tcp') needs Node");
    }
    return globalWebSocketFactory();
  });
}
