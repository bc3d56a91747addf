/**
 * Throw-away certificates for a local TLS cluster (`ringkv dev --tls`, and
 * the TLS process tests): a CA made on the spot and one certificate per
 * node, signed by it, for `localhost`, `127.0.0.1` and `::1`. Made with the
 * `openssl` binary (Node's crypto makes keys but not X.509 certificates);
 * nothing touches the network.
 *
 * Invariants:
 *   1. Each call makes a new CA: two calls give two CAs that do not trust
 *      each other (the tests' "peer from another CA").
 *   2. Node certificates serve as TLS server and client certificates
 *      (extendedKeyUsage serverAuth, clientAuth): peers present them both
 *      ways (mutual TLS).
 *   3. Private keys are written mode 0600; the CA's key stays in `dir`
 *      (with it anyone can mint a node certificate: the directory is the
 *      dev cluster's, not for production).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors.js';
import { devCertificateDays } from './limits.js';

/** The files of a dev CA and its node certificates. */
export interface DevCertificates {
  /** The CA certificate: `--tls-ca` of every node and client. */
  readonly caFile: string;
  /** The CA's private key (`issueNodeCertificate` signs with it). */
  readonly caKey: string;
  /** Per node id: its certificate and key (`--tls-cert`, `--tls-key`). */
  readonly nodes: ReadonlyMap<string, { readonly certFile: string; readonly keyFile: string }>;
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new CliError('failed', 'dev --tls needs the openssl binary to make certificates (apt-get install openssl)', { cause: error });
    throw new CliError('failed', `openssl ${args[0] ?? ''} failed: ${(e.stderr?.toString() ?? e.message).trim().split('\n')[0] ?? ''}`, { cause: error });
  }
}

/**
 * Makes a CA and a certificate per id in `ids` under `dir` (created) and
 * returns their paths. `caName` goes in the CA's subject (it tells two test
 * CAs apart in logs). Throws `CliError('failed')` when openssl is missing
 * or fails.
 */
export function makeDevCertificates(dir: string, ids: readonly string[], caName = 'ringkv dev CA'): DevCertificates {
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const days = String(devCertificateDays);
  openssl(['req', '-x509', ...curve, '-keyout', caKey, '-out', caFile, '-days', days, '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  chmodSync(caKey, 0o600);
  const nodes = new Map<string, { certFile: string; keyFile: string }>();
  for (const id of ids) nodes.set(id, issueNodeCertificate(dir, { caFile, caKey }, id));
  return { caFile, caKey, nodes };
}

/**
 * Issues (or issues again: a renewal) node `id`'s certificate and key under
 * `dir`, signed by the CA whose certificate and key are given (invariant 2).
 * Writes `<id>.pem` and `<id>.key` (replacing them) and returns their paths.
 */
export function issueNodeCertificate(dir: string, ca: { readonly caFile: string; readonly caKey: string }, id: string): { certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const extFile = join(dir, 'node.ext');
  writeFileSync(extFile, 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n');
  const keyFile = join(dir, `${id}.key`);
  const csr = join(dir, `${id}.csr`);
  const certFile = join(dir, `${id}.pem`);
  openssl(['req', ...curve, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${id}`]);
  chmodSync(keyFile, 0o600);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.caKey, '-set_serial', `0x${randomSerial()}`, '-days', String(devCertificateDays), '-extfile', extFile, '-out', certFile]);
  return { certFile, keyFile };
}

/** A positive 63-bit serial: unique per certificate, as RFC 5280 asks. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}
