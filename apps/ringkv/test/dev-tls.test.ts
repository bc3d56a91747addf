/**
 * `ringkv dev --tls` as a user runs it (issue 16): it makes a throw-away CA
 * and node certificates, starts every node with TLS, and prints the CA path
 * and how to connect; the commands it prints work, and without the CA a
 * client is refused with a message naming `--tls-ca`.
 *
 * Needs dist/ and the openssl binary. No duration is asserted; every wait
 * is bounded.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeBase, startDev, type DevRun } from './support/dev-cluster.js';
import { run } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-dev-tls-'));
let running: DevRun | undefined;

afterAll(async () => {
  if (running !== undefined && running.dev.exitCode === null) {
    running.dev.kill('SIGTERM');
    await running.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('ringkv dev --tls', () => {
  it('starts a TLS cluster with a throw-away CA and prints how to connect', async () => {
    const base = await freeBase(3);
    running = await startDev(base, ['--tls', '--dir', join(dir, 'data')]);
    const ca = join(dir, 'data', 'tls', 'ca.pem');
    expect(existsSync(ca)).toBe(true);
    expect(running.urls).toEqual([0, 1, 2].map((i) => `wss://127.0.0.1:${base + i}`));
    const out = running.out();
    expect(out).toContain(`TLS:     CA ${ca}`);
    expect(out).toContain(`readFileSync('${ca}')`);
    expect(out).not.toContain('grow:');
    // Each node's own ready line (forwarded with its prefix) names its seeds as it dials them: over TLS.
    const nodeReady = out.split('\n').filter((l) => / ringkv node node\d ready /.test(l));
    expect(nodeReady).toHaveLength(3);
    for (const line of nodeReady) expect(line, line).toMatch(/ url=wss:\/\/\S+ .* seeds=wss:\/\/127\.0\.0\.1:\d+,wss:\/\/127\.0\.0\.1:\d+$/);
    const put = await run(['put', 'dev-tls', 'yes', '--url', running.urls[0] as string, '--tls-ca', ca]);
    expect(put.code).toBe(0);
    const get = await run(['get', 'dev-tls', '--url', `tls://127.0.0.1:${base + 2}`, '--tls-ca', ca]);
    expect([get.code, get.stdout.trim()]).toEqual([0, 'yes']);
    const refused = await run(['get', 'dev-tls', '--url', running.urls[1] as string]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/TLS certificate did not verify.*--tls-ca/)]);
    running.dev.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 120_000);
});
