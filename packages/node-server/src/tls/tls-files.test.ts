import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNodeServerError } from '../errors.js';
import { resolveOptions } from '../options.js';
import { readTlsMaterial, resolveTlsFiles } from './tls-files.js';
import { TlsCredentials } from './tls-credentials.js';

let dir = '';
const pem = { cert: '', key: '', otherKey: '', garbage: '' };

/** A self-signed certificate and its key, and a second key that does not match it (openssl, as `ringkv dev --tls` uses). */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-tls-files-'));
  pem.cert = join(dir, 'cert.pem');
  pem.key = join(dir, 'key.pem');
  pem.otherKey = join(dir, 'other.key');
  pem.garbage = join(dir, 'garbage.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', pem.key, '-out', pem.cert, '-days', '1', '-subj', '/CN=t'], { stdio: 'ignore' });
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', pem.otherKey], { stdio: 'ignore' });
  writeFileSync(pem.garbage, 'not a certificate\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function invalidMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isNodeServerError(error) && error.code === 'invalid-option') return error.message;
    throw error;
  }
  throw new Error('expected an invalid-option error');
}

describe('TLS options', () => {
  it('are all three files or none', () => {
    expect(resolveTlsFiles({})).toBeUndefined();
    expect(resolveTlsFiles({ tlsCert: 'c', tlsKey: 'k', tlsCa: 'a' })).toEqual({ certFile: 'c', keyFile: 'k', caFile: 'a' });
    expect(invalidMessage(() => resolveTlsFiles({ tlsCert: 'c', tlsCa: 'a' }))).toContain('tlsCert needs tlsKey');
    expect(invalidMessage(() => resolveTlsFiles({ tlsKey: 'k', tlsCa: 'a' }))).toContain('tlsKey needs tlsCert');
    expect(invalidMessage(() => resolveTlsFiles({ tlsCert: 'c', tlsKey: 'k' }))).toContain('needs tlsCa');
    expect(invalidMessage(() => resolveTlsFiles({ tlsCa: 'a' }))).toContain('tlsCa needs tlsCert and tlsKey');
    expect(invalidMessage(() => resolveTlsFiles({ tlsCert: '', tlsKey: 'k', tlsCa: 'a' }))).toContain('non-empty file path');
  });

  it('refuse an unreadable file, a file that is not PEM and a key of another certificate, naming the problem', () => {
    expect(invalidMessage(() => readTlsMaterial({ certFile: join(dir, 'missing.pem'), keyFile: pem.key, caFile: pem.cert }))).toMatch(/tlsCert: cannot read .*missing\.pem \(ENOENT\)/);
    expect(invalidMessage(() => readTlsMaterial({ certFile: pem.garbage, keyFile: pem.key, caFile: pem.cert }))).toContain('do not make a TLS context');
    expect(invalidMessage(() => readTlsMaterial({ certFile: pem.cert, keyFile: pem.otherKey, caFile: pem.cert }))).toContain('do not make a TLS context');
    expect(readTlsMaterial({ certFile: pem.cert, keyFile: pem.key, caFile: pem.cert }).cert.length).toBeGreaterThan(0);
  });

  it('make startNode options fail with invalid-option before anything opens', () => {
    expect(invalidMessage(() => resolveOptions({ id: 'n', dataDir: dir, tlsCert: pem.cert }))).toContain('tlsCert needs tlsKey');
    expect(resolveOptions({ id: 'n', dataDir: dir, tlsCert: pem.cert, tlsKey: pem.key, tlsCa: pem.cert, seeds: ['h:1', 'ws://h:2'] }).cluster.seeds).toEqual(['wss://h:1', 'wss://h:2']);
  });

  it('a public host needs TLS and a token, unless insecure binds are allowed', () => {
    const tls = { tlsCert: pem.cert, tlsKey: pem.key, tlsCa: pem.cert };
    const secret = { clusterSecret: 's' };
    expect(invalidMessage(() => resolveOptions({ id: 'n', dataDir: dir, host: '0.0.0.0', authToken: 't', ...secret }))).toMatch(/needs TLS \(tlsCert, tlsKey, tlsCa\), or allowInsecurePublicBind/);
    expect(invalidMessage(() => resolveOptions({ id: 'n', dataDir: dir, host: '0.0.0.0', ...tls }))).toMatch(/needs a token \(authToken or tokensFile\), or allowInsecurePublicBind/);
    expect(invalidMessage(() => resolveOptions({ id: 'n', dataDir: dir, host: '10.0.0.1' }))).toMatch(/needs TLS .* and a token/);
    expect(resolveOptions({ id: 'n', dataDir: dir, host: '0.0.0.0', authToken: 't', ...secret, ...tls }).tls?.certFile).toBe(pem.cert);
    expect(resolveOptions({ id: 'n', dataDir: dir, host: '0.0.0.0', authToken: 't', ...secret, allowInsecurePublicBind: true }).tls).toBeUndefined();
  });

  it('a reload that fails keeps the credentials in force and reports the error', () => {
    const cert = join(dir, 'reload-cert.pem');
    writeFileSync(cert, execFileSync('cat', [pem.cert]));
    const errors: string[] = [];
    let reloaded = 0;
    const credentials = new TlsCredentials({ certFile: cert, keyFile: pem.key, caFile: pem.cert }, { onReloaded: () => reloaded++, onReloadError: (e) => errors.push(e.message) });
    const before = credentials.serverContext;
    writeFileSync(cert, 'half written');
    expect(credentials.reload()).toBe(false);
    expect(credentials.serverContext).toBe(before);
    expect(errors).toHaveLength(1);
    writeFileSync(cert, execFileSync('cat', [pem.cert]));
    expect(credentials.reload()).toBe(true);
    expect(credentials.serverContext).not.toBe(before);
    expect([reloaded, credentials.reloadCount]).toEqual([1, 1]);
  });
});
