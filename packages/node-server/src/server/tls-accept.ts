/**
 * TLS on the node's one port (issue 16): a socket whose first byte is a TLS
 * handshake record's (0x16) is wrapped in a server TLS socket with the
 * node's current credentials, and what arrives inside it is dispatched like
 * a plain socket's bytes (port-mux.ts): the TCP preamble to the TCP
 * acceptor, anything else to the HTTP server (https, wss, peers' wss).
 *
 * Invariants:
 *   1. Every TLS socket asks for a client certificate and does not require
 *      one: SDK clients and browsers present none. A certificate that is
 *      presented must be issued by the cluster CA (tls-credentials.ts
 *      `issuedByCa`: Node's own verdict is only set for sockets a
 *      `tls.Server` accepted, and this one is wrapped by hand): one that is
 *      not (a peer with a certificate of another CA) is refused right after
 *      the handshake: the socket is destroyed before any byte inside it is
 *      read, counted (`ringkv_tls_refused_total`) and logged (throttled).
 *   2. The TLS socket takes the raw socket's place in the socket guard: it
 *      is anonymous, with a fresh header deadline, until its request
 *      headers or hello, so a silent TLS socket is destroyed like a plain
 *      one (socket-guard.ts invariant 1).
 *   3. The context is the one in force at accept (tls-credentials.ts
 *      invariant 2): a reload never touches an accepted socket.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { suppressedField } from '../log.js';
import type { TlsCredentials } from '../tls/tls-credentials.js';
import type { ServerContext } from './context.js';

/** The first byte of a TLS record carrying a handshake (a ClientHello opens every TLS connection). */
export const tlsHandshakeByte = 0x16;

/** Takes the bytes inside a socket, once its first chunk arrived (port-mux.ts `dispatch`). */
export type Dispatch = (socket: Socket, first: Buffer) => void;

/**
 * Wraps `raw` (paused; `first` is what was read from it) in a server TLS
 * socket and hands the first decrypted chunk to `dispatch` (invariants 1–3).
 */
export function acceptTls(ctx: ServerContext, credentials: TlsCredentials, raw: Socket, first: Buffer, dispatch: Dispatch): void {
  raw.unshift(first); // the TLS socket reads what the raw one holds before it reads the wire
  const socket = new TLSSocket(raw, { isServer: true, secureContext: credentials.serverContext, requestCert: true, rejectUnauthorized: false });
  ctx.sockets.wrapped(raw, socket);
  socket.on('error', () => socket.destroy());
  socket.once('secure', () => {
    const cert = socket.getPeerX509Certificate();
    if (cert !== undefined && !credentials.issuedByCa(cert, Date.now())) return refuseCertificate(ctx, socket);
    if (cert !== undefined) certified.add(socket);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      dispatch(socket, chunk);
    });
  });
}

/** TLS sockets whose client certificate the cluster CA issued (invariant 1): the peers' sockets. */
const certified = new WeakSet<object>();

/** True for a TLS socket that presented a certificate of the cluster CA (upgrade.ts admits `/peer` only then). */
export function hasClusterCertificate(socket: object): boolean {
  return certified.has(socket);
}

/** Invariant 1: a certificate the cluster CA did not sign. */
function refuseCertificate(ctx: ServerContext, socket: TLSSocket): void {
  ctx.metrics.tlsRefused++;
  const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const subject = socket.getPeerX509Certificate()?.subject.replace(/\n/g, ', ');
  const issuer = socket.getPeerX509Certificate()?.issuer.replace(/\n/g, ', ');
  ctx.refusalLog.run((suppressed) => ctx.log.warn({ from, subject, issuer, ...suppressedField(suppressed) }, 'refused a TLS connection: its certificate is not signed by the cluster CA (--tls-ca)'));
  socket.destroy();
}
