/**
 * `connect` for Node (the `default` export condition): the global
 * `WebSocket` when the platform has one, else the `ws` package; or raw TCP
 * (tcp-socket.ts) for `tcp://` seeds or `transport: 'tcp'`.
 */

import { openClient, type RingkvClient } from './api.js';
import type { ClientOptions, TlsCa } from './types.js';
import { RingkvError } from './errors.js';
import { describeArg } from './validate.js';
import { defaultWebSocketFactory } from './websocket.js';
import { tcpSocketFactory } from './tcp-socket.js';
import { chooseTransport } from './transport.js';

/**
 * Connects to a ringkv node and resolves once one seed accepted the hello
 * (and, with token-aware routing, once the ring was asked for).
 *
 * When to use: once per process (or page); share the client, it pipelines.
 * Details: `seeds` is a `ws://host:port` (or `tcp://host:port`) URL or a list; the client tries
 * them in order, and after a connection is lost it fails over to the next
 * one, round-robin, with capped exponential backoff and jitter between full
 * rounds. With `routing: 'token-aware'` (the default) it also learns the
 * cluster's ring and sends each request straight to a replica of its key
 * over a pooled connection, falling back to the seed connection (any node
 * forwards). Uses the global `WebSocket` when there is one, else `ws`.
 * With a `tcp://` seed or `transport: 'tcp'` it speaks the raw TCP
 * transport instead (the same messages, length-prefixed, on the node's same
 * port: less CPU per request on both sides), for every connection; the
 * timeouts, reconnects and errors are the same.
 * TLS: `wss://` seeds (WebSocket) and `tls://` seeds (raw TCP inside TLS;
 * with TCP, `wss://` ring members are dialled that way too) verify the
 * node's certificate against `options.ca` (a TLS cluster's CA) or Node's
 * trust store; a certificate that does not verify fails the connect with
 * `not-connected`, the reason and a hint to pass `ca`.
 * Gotchas: rejects with `not-connected` when no seed answers in one round,
 * with `unauthorized` for a wrong token, with `invalid-argument` for a
 * `tcp://` or `tls://` seed with `transport: 'websocket'`; call `close()`
 * when done, or the socket keeps Node running.
 */
export async function connect(seeds: string | readonly string[], options: ClientOptions = {}): Promise<RingkvClient> {
  // Chosen inside openClient, after it checked the seeds and the options object.
  return openClient(seeds, options, () => {
    const ca = checkCa(options.ca);
    return chooseTransport(seeds, options.transport) === 'tcp' ? tcpSocketFactory(ca) : defaultWebSocketFactory(ca);
  });
}

/** `options.ca` as given, or `invalid-argument` when it is not PEM text, bytes or a list of them. */
function checkCa(ca: unknown): TlsCa | undefined {
  const one = (x: unknown): boolean => typeof x === 'string' || x instanceof Uint8Array;
  if (ca === undefined || one(ca) || (Array.isArray(ca) && ca.length > 0 && ca.every(one))) return ca as TlsCa | undefined;
  throw new RingkvError('invalid-argument', `options.ca must be PEM text or bytes (or a list of them), got ${describeArg(ca)}`);
}
