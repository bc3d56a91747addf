/**
 * A TLS cluster of real processes (issue 16): three `ringkv start` nodes
 * with certificates from `makeDevCertificates` (the code `ringkv dev --tls`
 * runs), mutual TLS between them and a cluster secret.
 *
 * Proves: a client without the CA fails with a message naming the fix; one
 * with it works over wss:// and tls:// (SDK and CLI); plain connections are
 * refused except GET /health; a peer whose certificate another CA issued
 * cannot join (refused at TLS, counted, logged); new certificate files and
 * SIGHUP put a new certificate in force for new connections while an open
 * connection keeps working; a non-loopback bind without TLS is refused.
 *
 * Needs dist/ and the openssl binary. No duration is asserted; every wait
 * is bounded and names what it waited for.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { get as httpsGet } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueNodeCertificate, makeDevCertificates, type DevCertificates } from '../src/tls-dev.js';
import { trustForFetch } from '../src/tls-client.js';
import { processRun, run, spawnStart, until, type NodeProcess } from './support/processes.js';

interface Status {
  cluster?: { ring?: { version?: number }; members?: { id: string; status: string }[] };
}

const processes = processRun('ringkv-tls-');
const secret = ['--cluster-secret', 'tls-test-secret'];
let certs: DevCertificates;
let ca: Buffer;
const clients: RingkvClient[] = [];

function tlsFlags(id: string, from: DevCertificates = certs): string[] {
  const node = from.nodes.get(id);
  if (node === undefined) throw new Error(`no certificate for ${id}`);
  return ['--tls-cert', node.certFile, '--tls-key', node.keyFile, '--tls-ca', certs.caFile];
}

function byId(id: string): NodeProcess {
  const node = processes.nodes.find((n) => n.id === id);
  if (node === undefined) throw new Error(`${id} is not running`);
  return node;
}

function portOf(node: NodeProcess): number {
  return Number(new URL(node.url).port);
}

/** GET over https with the cluster CA, on a connection of its own (a kept-alive one may have been closed by the node meanwhile). */
function httpsText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, agent: false, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer`)));
    req.on('error', reject);
  });
}

async function members(node: NodeProcess): Promise<string[]> {
  const status = JSON.parse(await httpsText(`${node.http}/status`)) as Status;
  return (status.cluster?.members ?? []).filter((m) => m.status === 'normal').map((m) => m.id).sort();
}

async function metric(node: NodeProcess, name: string): Promise<number> {
  const text = await httpsText(`${node.http}/metrics`);
  return Number(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[2] ?? NaN);
}

/** The serial number of the certificate a new TLS connection to `node` is served. */
function servedSerial(node: NodeProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: portOf(node), ca }, () => {
      resolve(socket.getPeerX509Certificate()?.serialNumber ?? '');
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** The first sample of `node`'s dashboard stream (`/dashboard/live`, server-sent events), over https. */
function firstSample(node: NodeProcess): Promise<{ nodes?: { id: string; reachable: boolean; error?: string }[] }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(`${node.http}/dashboard/live`, { ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const m = /^data: (.*)$/m.exec(text);
        if (m === null) return;
        req.destroy();
        resolve(JSON.parse(m[1] as string) as { nodes?: { id: string; reachable: boolean; error?: string }[] });
      });
    });
    req.on('error', reject);
  });
}

/** One TLS connection to `node`, offering `session` to resume: whether it resumed, and (for a new session) the ticket the node gave. */
function tlsSession(node: NodeProcess, session?: Buffer): Promise<{ reused: boolean; ticket: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: portOf(node), ca, ...(session === undefined ? {} : { session }) }, () => {
      if (session === undefined) return;
      resolve({ reused: socket.isSessionReused(), ticket: undefined });
      socket.destroy();
    });
    // A TLS 1.3 ticket arrives after the handshake: the socket must read for it.
    socket.resume();
    socket.once('session', (ticket: Buffer) => {
      if (session !== undefined) return;
      resolve({ reused: socket.isSessionReused(), ticket });
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  certs = makeDevCertificates(join(processes.dir(), 'tls'), ['n1', 'n2', 'n3']);
  ca = readFileSync(certs.caFile);
  await trustForFetch(ca); // fetch in this process verifies the nodes' https endpoints
  const n1 = await processes.start('n1', [...tlsFlags('n1'), ...secret]);
  const seeds = ['--seeds', `127.0.0.1:${portOf(n1)}`];
  await Promise.all([processes.start('n2', [...tlsFlags('n2'), ...secret, ...seeds, '--log-level', 'info']), processes.start('n3', [...tlsFlags('n3'), ...secret, ...seeds])]);
  await until('three TLS nodes to see each other', 60_000, async () => (await Promise.all(processes.nodes.map((n) => members(n).catch(() => [])))).every((m) => m.join() === 'n1,n2,n3'));
  return async () => {
    await Promise.all(clients.map((c) => c.close()));
  };
}, 120_000);

describe('a TLS cluster of processes', () => {
  it('announces wss:// and https:// URLs', () => {
    for (const node of processes.nodes) {
      expect(node.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      expect(node.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('a client without the CA fails with a message that says to give it', async () => {
    const n1 = byId('n1');
    await expect(connect(n1.url, { connectTimeoutMs: 10_000 })).rejects.toMatchObject({ code: 'not-connected', message: expect.stringMatching(/certificate.*pass the cluster CA/) });
    const cli = await run(['get', 'k', '--url', n1.url]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/TLS certificate did not verify.*--tls-ca/);
    const status = await run(['status', '--url', n1.url]);
    // status reads the asked node through the admin path, so it says what the admin commands say.
    expect([status.code, status.stderr]).toEqual([1, expect.stringMatching(/TLS certificate did not verify; give the cluster CA with --tls-ca/)]);
    const cleanup = await run(['cleanup', '--url', n1.url]);
    expect([cleanup.code, cleanup.stderr]).toEqual([1, expect.stringMatching(/TLS certificate did not verify; give the cluster CA with --tls-ca/)]);
  });

  it('a client with the CA reads and writes over wss:// and tls://, with the SDK and the CLI', async () => {
    const [n1, n2] = [byId('n1'), byId('n2')];
    const ws = await connect(n1.url, { ca, connectTimeoutMs: 10_000 });
    clients.push(ws);
    await ws.put('tls-key', 'over wss');
    const tcp = await connect(`tls://127.0.0.1:${portOf(n2)}`, { ca, connectTimeoutMs: 10_000 });
    clients.push(tcp);
    expect((await tcp.get('tls-key')).values).toEqual(['over wss']);
    await tcp.put('tls-key-2', 'over tls');
    const put = await run(['put', 'cli-key', 'cli-value', '--url', n2.url, '--tls-ca', certs.caFile]);
    expect(put.code).toBe(0);
    const got = await run(['get', 'tls-key-2', '--url', `tls://127.0.0.1:${portOf(n1)}`, '--tls-ca', certs.caFile]);
    expect([got.code, got.stdout.trim()]).toEqual([0, 'over tls']);
    const status = await run(['status', '--url', n1.url, '--json', '--tls-ca', certs.caFile]);
    expect(status.code).toBe(0);
  });

  it('a client resumes its TLS session on a new connection (regression: a resumption got an internal-error alert, so fetch failed after a keep-alive close)', async () => {
    const n3 = byId('n3');
    const first = await tlsSession(n3);
    expect(first.reused).toBe(false);
    expect((await tlsSession(n3, first.ticket)).reused).toBe(true);
  });

  it('refuses plain connections but keeps GET /health open', async () => {
    const n1 = byId('n1');
    const plain = n1.http.replace('https://', 'http://');
    expect((await fetch(`${plain}/health`)).status).toBe(200);
    const status = await fetch(`${plain}/status`);
    expect(status.status).toBe(403);
    expect(await status.json()).toMatchObject({ error: { code: 'tls-required' } });
    await expect(connect(n1.url.replace('wss://', 'ws://'), { connectTimeoutMs: 10_000 })).rejects.toMatchObject({ code: 'not-connected', message: expect.stringContaining('426') });
    await expect(connect(`tcp://127.0.0.1:${portOf(n1)}`, { connectTimeoutMs: 10_000 })).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringContaining('tls://') });
    expect(await metric(n1, 'ringkv_tls_plain_refused_total')).toBeGreaterThanOrEqual(3);
  });

  it('a peer whose certificate another CA issued cannot join: refused at TLS, counted and logged', async () => {
    const n1 = byId('n1');
    const foreign = makeDevCertificates(join(processes.dir(), 'foreign'), ['rogue'], 'another CA');
    const refusedBefore = await metric(n1, 'ringkv_tls_refused_total');
    // It trusts the cluster's CA (so n1's certificate verifies for it) but presents one of its own CA.
    const rogue = spawnStart(['--id', 'rogue', '--port', '0', '--data', join(processes.dir(), 'rogue'), '--log-level', 'warn', ...tlsFlags('rogue', foreign), ...secret, '--seeds', `127.0.0.1:${portOf(n1)}`]);
    try {
      await until('n1 to refuse the rogue peer at TLS', 60_000, async () => (await metric(n1, 'ringkv_tls_refused_total')) > refusedBefore);
      await until('n1 to log the refusal', 30_000, async () => n1.output().includes('refused a TLS connection'));
      expect(n1.output()).toMatch(/"subject":"CN=rogue","issuer":"CN=another CA"[^\n]*refused a TLS connection/);
      for (const node of processes.nodes) expect(await members(node)).toEqual(['n1', 'n2', 'n3']);
    } finally {
      rogue.proc.kill('SIGKILL');
      await rogue.exited;
    }
  });

  it('new certificate files and SIGHUP swap the certificate for new connections; an open connection keeps working', async () => {
    const n2 = byId('n2');
    const client = await connect(n2.url, { ca, routing: 'any', connectTimeoutMs: 10_000 });
    clients.push(client);
    await client.put('before-reload', 'v1');
    const opened = await metric(n2, 'ringkv_connections_opened_total');
    const before = await servedSerial(n2);
    // Renewed beside the old files, then renamed over them, so the node never reads a half-written pair.
    const renewed = issueNodeCertificate(join(processes.dir(), 'tls-renewed'), certs, 'n2');
    const current = certs.nodes.get('n2') as { certFile: string; keyFile: string };
    renameSync(renewed.keyFile, current.keyFile);
    renameSync(renewed.certFile, current.certFile);
    n2.proc.kill('SIGHUP');
    await until('n2 to serve the renewed certificate', 30_000, async () => (await servedSerial(n2)) !== before);
    expect(n2.output()).toContain('TLS certificates reloaded');
    expect((await client.get('before-reload')).values).toEqual(['v1']);
    await client.put('after-reload', 'v2');
    // The open connection was kept: the node accepted no new client connection for it (servedSerial's sockets never say hello).
    expect(await metric(n2, 'ringkv_connections_opened_total')).toBe(opened);
    expect(n2.proc.exitCode).toBeNull();
  });

  it('serves the dashboard over https, sampling every member over mutual TLS', async () => {
    const sample = await firstSample(byId('n1'));
    const nodes = (sample.nodes ?? []).map((n) => [n.id, n.reachable, n.error ?? '']).sort();
    expect(nodes).toEqual([['n1', true, ''], ['n2', true, ''], ['n3', true, '']]);
  });

  it('refuses a non-loopback bind without TLS, even with a token, unless --allow-insecure-public-bind', async () => {
    const data = join(processes.dir(), 'public');
    const refused = await run(['start', '--host', '0.0.0.0', '--port', '0', '--data', data, '--auth-token', 't', ...secret, '--log-level', 'silent']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^ringkv: start: host 0\.0\.0\.0 is reachable from other machines: it needs TLS \(--tls-cert, --tls-key, --tls-ca\)/);
    expect(refused.stderr).toContain('--allow-insecure-public-bind');
  });
});
