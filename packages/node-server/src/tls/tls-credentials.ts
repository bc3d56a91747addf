/**
 * The certificates a TLS node serves and dials with, reloadable while it
 * runs (SIGHUP through `RingkvNode.reloadCertificates`, and a poll of the
 * three files like the tokens file's).
 *
 * Concurrency model: event-loop callbacks only; a reload reads the files
 * synchronously (three small PEM files).
 *
 * Invariants:
 *   1. `serverContext` and `clientOptions()` always come from one set of
 *      files that made a valid context (tls-files.ts invariant 2): a reload
 *      that fails (a file half-written, a key that does not match yet)
 *      keeps the credentials in force and logs; the next change retries.
 *   2. A reload changes what *new* connections use: accepted sockets take
 *      the context current at their accept (port-mux.ts), outbound peer
 *      links read `clientOptions()` at each connect. Open connections keep
 *      the keys they negotiated and are never dropped by a reload.
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { readTlsMaterial, type TlsFiles, type TlsMaterial } from './tls-files.js';

/** What a reload reports. */
export interface TlsCredentialsEvents {
  readonly onReloaded: (files: TlsFiles) => void;
  readonly onReloadError: (error: Error, files: TlsFiles) => void;
}

/** The TLS options of an outbound peer connection: this node's certificate (a client certificate to the peer) and the cluster CA. */
export interface TlsClientOptions {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** One per TLS node. */
export class TlsCredentials {
  private material: TlsMaterial;
  private context: SecureContext;
  private cas: X509Certificate[];
  /** The poll's listener, while watching (several nodes of one process may watch one CA file: each removes only its own). */
  private listener: ((now: Stats, before: Stats) => void) | undefined;
  private reloads = 0;

  /** Reads the files now; throws `invalid-option` as `readTlsMaterial` does. */
  constructor(
    readonly files: TlsFiles,
    private readonly events: TlsCredentialsEvents,
  ) {
    this.material = readTlsMaterial(files);
    this.context = serverContextOf(this.material);
    this.cas = caCertificates(this.material.ca);
  }

  /** The context new inbound TLS sockets use (invariant 2). */
  get serverContext(): SecureContext {
    return this.context;
  }

  /** Successful reloads since start (for /metrics and tests). */
  get reloadCount(): number {
    return this.reloads;
  }

  /** The options of a new outbound peer connection (invariant 2). */
  clientOptions(): TlsClientOptions {
    return { ca: this.material.ca, cert: this.material.cert, key: this.material.key };
  }

  /**
   * True when `cert` (a certificate a connecting peer presented) was issued
   * and signed by one of the cluster CA's certificates and is valid now.
   * Node certificates are signed by the CA itself (no intermediates), as
   * `ringkv dev --tls` makes them.
   */
  issuedByCa(cert: X509Certificate, nowMs: number): boolean {
    const valid = Date.parse(cert.validFrom) <= nowMs && nowMs <= Date.parse(cert.validTo);
    return valid && this.cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  }

  /** Reads the files again; true when the new credentials are in force, false when they were refused (invariant 1). */
  reload(): boolean {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(this.files);
    } catch (error) {
      this.events.onReloadError(error as Error, this.files);
      return false;
    }
    this.material = material;
    this.context = serverContextOf(material);
    this.cas = caCertificates(material.ca);
    this.reloads++;
    this.events.onReloaded(this.files);
    return true;
  }

  /** Polls the three files every `intervalMs` and reloads when one changes. Idempotent. */
  watch(intervalMs: number): void {
    if (this.listener !== undefined) return;
    const listener = (now: Stats, before: Stats): void => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) this.reload();
    };
    this.listener = listener;
    for (const path of this.paths()) watchFile(path, { interval: intervalMs, persistent: false }, listener);
  }

  /** Stops the poll. Idempotent. */
  close(): void {
    const listener = this.listener;
    if (listener === undefined) return;
    this.listener = undefined;
    for (const path of this.paths()) unwatchFile(path, listener);
  }

  private paths(): string[] {
    return [...new Set([this.files.certFile, this.files.keyFile, this.files.caFile])];
  }
}

/**
 * The server context of `material`. It names a session id context, as
 * `tls.Server` does on its own: OpenSSL refuses to resume a session (a
 * client's ticket, e.g. fetch reconnecting after a keep-alive close) on a
 * socket that asks for client certificates without one, with an
 * `internal error` alert.
 */
function serverContextOf(material: TlsMaterial): SecureContext {
  return createSecureContext({ ...material, sessionIdContext });
}

/** Sessions resume across this node's connections only (a client's ticket is bound to this name and the node's ticket keys). */
const sessionIdContext = 'ringkv-node';

/** The certificates of a PEM bundle (a CA file may hold several). */
function caCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}
