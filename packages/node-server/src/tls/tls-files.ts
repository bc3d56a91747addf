/**
 * The node's TLS options (`tlsCert`, `tlsKey`, `tlsCa`): which combinations
 * are valid, reading the PEM files, and checking that they make a usable
 * secure context. Read at start (a bad file stops the start) and again on
 * each reload (tls-credentials.ts; a bad file then keeps the old ones).
 *
 * Invariants:
 *   1. TLS is all three files or none: a certificate without its key (or the
 *      reverse) cannot serve, and without the cluster CA peers could not
 *      verify each other (mutual TLS), so a partial set is `invalid-option`.
 *   2. `readTlsMaterial` returns material Node accepted as a secure context
 *      (the key matches the certificate, every PEM parses), or throws
 *      `invalid-option` naming the file or the problem; it never returns
 *      half-read material.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { invalidOption } from '../errors.js';

/** The TLS options of `startNode` (NodeOptions picks these three). */
export interface TlsOptions {
  /** PEM certificate chain of this node, served to clients and presented to peers. */
  tlsCert?: string;
  /** PEM private key of `tlsCert`. */
  tlsKey?: string;
  /** PEM certificate(s) of the cluster CA: peers' certificates must chain to it (mutual TLS). */
  tlsCa?: string;
}

/** The three files of a TLS node, after validation. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** The files' contents (PEM bytes), as Node's `tls` options take them. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

/**
 * The TLS files of `o`, or `undefined` without TLS (invariant 1). Throws
 * `invalid-option` for a partial set or a value that is not a non-empty
 * string. Does not read the files (`readTlsMaterial` does).
 */
export function resolveTlsFiles(o: TlsOptions): TlsFiles | undefined {
  const given = (['tlsCert', 'tlsKey', 'tlsCa'] as const).filter((name) => o[name] !== undefined);
  if (given.length === 0) return undefined;
  for (const name of given) if (typeof o[name] !== 'string' || o[name] === '') invalidOption(`option ${name} must be a non-empty file path, got ${String(o[name])}`);
  if (o.tlsCert !== undefined && o.tlsKey === undefined) invalidOption('option tlsCert needs tlsKey: the private key of the certificate');
  if (o.tlsKey !== undefined && o.tlsCert === undefined) invalidOption('option tlsKey needs tlsCert: the certificate of the key');
  if (o.tlsCa === undefined) invalidOption('option tlsCert needs tlsCa too: the cluster CA, against which peers verify each other (mutual TLS)');
  if (o.tlsCert === undefined) invalidOption('option tlsCa needs tlsCert and tlsKey: the node\'s own certificate and key');
  return { certFile: o.tlsCert, keyFile: o.tlsKey as string, caFile: o.tlsCa };
}

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    invalidOption(`option ${option}: cannot read ${path} (${reason})`);
  }
}

/**
 * Reads the three files and checks them by building a secure context
 * (invariant 2). Throws `invalid-option`: an unreadable file, a file that
 * is not PEM, a key that does not match the certificate.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const material = { cert: readPem('tlsCert', files.certFile), key: readPem('tlsKey', files.keyFile), ca: readPem('tlsCa', files.caFile) };
  try {
    createSecureContext(material);
  } catch (error) {
    invalidOption(`options tlsCert, tlsKey, tlsCa (${files.certFile}, ${files.keyFile}, ${files.caFile}) do not make a TLS context: ${(error as Error).message}`);
  }
  return material;
}

/** A node URL in the scheme TLS asks for: `ws://` → `wss://` (peers dial and clients learn these); others unchanged. */
export function tlsScheme(url: string): string {
  return url.replace(/^ws:\/\//, 'wss://');
}
