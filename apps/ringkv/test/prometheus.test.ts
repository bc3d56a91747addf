/**
 * A real Prometheus (Debian package `prometheus`; `.ci/run` installs it)
 * scrapes a three-node `ringkv dev` on loopback, from a temporary config and
 * data directory on a free port; a small bounded load runs (`ringkv bench`,
 * 3,000 operations), and the test reads, through Prometheus's HTTP API, the
 * cluster's rate of operations and the p99 put latency from the
 * `ringkv_request_duration_seconds` histogram (`histogram_quantile`).
 * The nodes have a client token (issue 16): the scrape job sends it as a
 * bearer (`authorization.credentials_file`); a job without it is refused
 * (`up` 0), and a node started with `--metrics-public` is scraped without one.
 * Everything it started (dev and its nodes, Prometheus) is stopped and its
 * temporary files removed. Skipped, with a line on stderr, without Prometheus.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, freeBase, startDev, type DevRun } from './support/dev-cluster.js';
import { cli, env, requireBuiltCli, run, until } from './support/processes.js';

const hasPrometheus = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).status === 0;
if (!hasPrometheus) process.stderr.write('prometheus.test.ts: prometheus is not installed (apt-get install prometheus); the Prometheus test is skipped\n');

const dir = mkdtempSync(join(tmpdir(), 'ringkv-prom-'));
let dev: DevRun | undefined;
let prometheus: ChildProcess | undefined;
let prometheusExited: Promise<unknown> | undefined;
let publicNode: ChildProcess | undefined;
let publicExited: Promise<unknown> | undefined;
const token = 'prom-client-token';

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) prometheus.kill('SIGTERM');
  if (dev !== undefined && dev.dev.exitCode === null) dev.dev.kill('SIGTERM');
  if (publicNode !== undefined && publicNode.exitCode === null) publicNode.kill('SIGTERM');
  await Promise.all([prometheusExited, dev?.exited, publicExited]);
  rmSync(dir, { recursive: true, force: true });
});

/** One instant query through the HTTP API: the value of each series, by its labels. */
async function query(api: string, promql: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? res.status}`);
  return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

describe('Prometheus scraping a ringkv dev cluster', () => {
  it.skipIf(!hasPrometheus)('reads the cluster rate of operations and a p99 put latency through the Prometheus HTTP API (skipped without prometheus)', async () => {
    requireBuiltCli();
    const base = await freeBase(5);
    const promPort = base + 3;
    const publicPort = base + 4;
    dev = await startDev(base, ['--dir', join(dir, 'data'), '--durability', 'none'], false, undefined, undefined, undefined, { RINGKV_AUTH_TOKEN: token, RINGKV_CLUSTER_SECRET: 'prom-secret' });
    publicNode = spawn(process.execPath, [cli, 'start', '--id', 'public1', '--port', String(publicPort), '--data', join(dir, 'public1'), '--auth-token', token, '--cluster-secret', 'prom-secret', '--metrics-public', '--log-level', 'warn'], { env, stdio: 'ignore' });
    publicExited = new Promise((resolve) => publicNode?.on('exit', resolve));
    const targets = [0, 1, 2].map((i) => `'127.0.0.1:${base + i}'`).join(', ');
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n` +
        `  - job_name: ringkv\n    authorization:\n      type: Bearer\n      credentials_file: ${join(dir, 'token')}\n    static_configs:\n      - targets: [${targets}]\n` +
        `  - job_name: ringkv-no-token\n    static_configs:\n      - targets: ['127.0.0.1:${base}']\n` +
        `  - job_name: ringkv-public\n    static_configs:\n      - targets: ['127.0.0.1:${publicPort}']\n`,
    );
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let promLog = '';
    prometheus.stderr?.on('data', (c: Buffer) => (promLog += c.toString()));
    prometheusExited = new Promise((resolve) => prometheus?.on('exit', resolve));
    const api = `http://127.0.0.1:${promPort}`;

    await until('Prometheus scrapes all three nodes with the token and the public node without, and not a node without the token', 60_000, async () => {
      try {
        const up = (job: string): Promise<number[]> => query(api, `up{job="${job}"}`).then((r) => r.map((s) => s.value));
        return (await up('ringkv')).join() === '1,1,1' && (await up('ringkv-no-token')).join() === '0' && (await up('ringkv-public')).join() === '1';
      } catch {
        return false;
      }
    }, () => promLog);
    const bench = await run(['bench', '--seeds', dev.urls.join(','), '-n', '3000', '-c', '4', '--mix', '50/50', '-r', '1000', '--auth-token', token], 120_000);
    expect(bench.code, bench.stderr).toBe(0);

    let rate = 0;
    let p99 = Number.NaN;
    await until('Prometheus has scraped the load', 60_000, async () => {
      rate = (await query(api, 'sum(rate(ringkv_requests_total{op=~"get|put"}[1m]))'))[0]?.value ?? 0;
      p99 = (await query(api, 'histogram_quantile(0.99, sum by (le) (rate(ringkv_request_duration_seconds_bucket{op="put"}[1m])))'))[0]?.value ?? Number.NaN;
      const total = (await query(api, 'sum(max_over_time(ringkv_requests_total{op=~"get|put",outcome="ok"}[1m]))'))[0]?.value ?? 0;
      return total >= 3000 && rate > 0 && Number.isFinite(p99);
    });
    expect(rate).toBeGreaterThan(0);
    expect(p99).toBeGreaterThan(0);
    // Per node too: each node answered part of the load, and its p99 is a number.
    const perNode = await query(api, 'histogram_quantile(0.99, sum by (node, le) (rate(ringkv_request_duration_seconds_bucket{job="ringkv",op=~"get|put"}[1m])))');
    expect(perNode.map((s) => s.labels['node']).sort()).toEqual(['node1', 'node2', 'node3']);
    process.stderr.write(`prometheus.test.ts: cluster ${rate.toFixed(1)} ops/s (1 m rate), put p99 ${(p99 * 1000).toFixed(3)} ms\n`);

    prometheus.kill('SIGTERM');
    publicNode.kill('SIGTERM');
    dev.dev.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    await prometheusExited;
    expect(dev.pids.filter(alive)).toEqual([]);
  });
});
