/**
 * `ringkv dev` as a real child process: three nodes come up and agree,
 * `ringkv status` lists them normal, a key written through one node is read
 * through another, and SIGINT stops every node (their pids are gone).
 * Needs dist/ (the root test command runs `tsc -b` first).
 */

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, freeBase, startDev } from './support/dev-cluster.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const env = { ...process.env, RINGKV_URL: '', RINGKV_CONFIG: '', RINGKV_SEEDS: '' };
const dir = mkdtempSync(join(tmpdir(), 'ringkv-dev-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** The process group of `pid` (field 5 of /proc/PID/stat). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function gone(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 300 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

describe('ringkv dev', () => {
  it('starts three nodes that agree, serves through any of them, and SIGINT stops them all', async () => {
    const base = await freeBase();
    const { dev, exited, urls, pids, out: output } = await startDev(base, ['--dir', join(dir, 'data')]);
    const out = output();
    try {
      expect(urls).toEqual([0, 1, 2].map((i) => `ws://127.0.0.1:${base + i}`));
      expect(pids.every(alive)).toBe(true);
      expect(out).toMatch(/\[node1\] ringkv node node1 ready/);
      expect(out).toMatch(/SDK: +const db = await connect\(\['ws:\/\/127\.0\.0\.1:\d+', /);

      const status = await run(['status', '--url', urls[0] as string]);
      expect(status.code, status.stderr).toBe(0);
      const rows = status.stdout.split('\n').filter((l) => /^node\d /.test(l));
      expect(rows.map((r) => r.split(/\s+/).slice(0, 3))).toEqual([1, 2, 3].map((i) => [`node${i}`, urls[i - 1], 'normal']));
      const json = JSON.parse((await run(['status', '--url', urls[1] as string, '--json'])).stdout) as { rows: { replicaShare: number }[] };
      expect(json.rows.reduce((a, r) => a + r.replicaShare, 0)).toBeCloseTo(3, 6);

      expect((await run(['put', 'greeting', 'hello from node1', '--url', urls[0] as string])).stdout.trim()).toBe('OK');
      expect((await run(['get', 'greeting', '--url', urls[2] as string])).stdout.trim()).toBe('hello from node1');
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(output()).toMatch(/ringkv dev: stopped/);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('Ctrl-C (SIGINT to the whole process group) stops every node gracefully, once', async () => {
    const base = await freeBase();
    const { dev, exited, pids, out } = await startDev(base, ['--dir', join(dir, 'group')], true);
    try {
      expect(pids.every(alive)).toBe(true);
      // The mechanism: no node is in dev's process group, so the group's SIGINT reaches dev alone and each node
      // hears only dev's SIGTERM (with the group's SIGINT as well, a node took the second signal as "stop now").
      expect(pids.map(processGroup).filter((g) => g === processGroup(dev.pid as number))).toEqual([]);
    } finally {
      process.kill(-(dev.pid as number), 'SIGINT');
    }
    expect(await exited).toBe(0);
    expect(await gone(pids)).toEqual([]);
    // A node that took a second signal exits at once (130) without its stopped line, and dev reports the exit.
    for (const i of [1, 2, 3]) expect(out()).toMatch(new RegExp(`\\[node${i}\\] ringkv node node${i} stopped`));
    expect(out()).not.toMatch(/exited with/);
  });

  it('leaves no orphan when ringkv dev is killed while its nodes are still starting', async () => {
    const base = await freeBase();
    const data = join(dir, 'early');
    const dev = spawn(process.execPath, [cli, 'dev', '--base-port', String(base), '--dir', data], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => dev.on('exit', resolve));
    const nodesOf = (): number[] =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(data, 'node'));
          } catch {
            return false;
          }
        })
        .map(Number);
    // Killed as soon as its nodes exist as processes, long before they are ready and listen for the parent going away.
    for (let i = 0; i < 300 && nodesOf().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(nodesOf().length).toBeGreaterThan(0);
    dev.kill('SIGKILL');
    await exited;
    for (let i = 0; i < 300 && nodesOf().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(nodesOf()).toEqual([]);
  });

  it('dev --dcs 2 starts a node per DC under the map dc1:N,dc2:N, each node its own machine, serves through either, and passes --read-repair to the nodes', async () => {
    const base = await freeBase(2);
    const { dev, exited, urls, pids } = await startDev(base, ['--dcs', '2', '--nodes', '1', '--read-repair', 'global', '--dir', join(dir, 'dcs')]);
    try {
      const status = (await (await fetch(`${(urls[0] as string).replace('ws:', 'http:')}/status`)).json()) as {
        cluster: { settings: { n: number; replicas: string }; members: { id: string; dc: string; machine: string }[] };
      };
      expect(status.cluster.settings).toMatchObject({ n: 2, replicas: 'dc1:1,dc2:1' });
      expect(status.cluster.members.map((m) => [m.id, m.dc, m.machine])).toEqual([['node1', 'dc1', 'node1'], ['node2', 'dc2', 'node2']]);
      expect((await run(['put', 'dc-key', 'in both DCs', '--url', urls[0] as string])).stdout.trim()).toBe('OK');
      expect((await run(['get', 'dc-key', '--url', urls[1] as string])).stdout.trim()).toBe('in both DCs');
      // The node's default is local: global is there only if dev passed the flag on.
      expect((await run(['status', '--url', urls[1] as string])).stdout).toMatch(/read repair global/);
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(await gone(pids)).toEqual([]);
  });

  it('start --shards 2 runs two nodes of one machine on consecutive ports and data directories, and SIGINT stops both', async () => {
    const base = await freeBase(2);
    const data = join(dir, 'shards');
    const { dev, exited, urls, pids, out } = await startDev(base, ['--id', 'box', '--port', String(base), '--data', data, '--machine', 'box-host', '--n', '1', '--r', '1', '--w', '1', '--log-level', 'warn'], false, ['start', '--shards', '2'], /^ringkv shards ready .*$/m, /ringkv shards ready/);
    try {
      expect(urls).toEqual([`ws://127.0.0.1:${base}`, `ws://127.0.0.1:${base + 1}`]);
      expect(out()).toMatch(/\[box-shard1\] ringkv node box-shard1 ready/);
      expect(existsSync(join(data, 'shard0')) && existsSync(join(data, 'shard1'))).toBe(true);
      const members = async (): Promise<{ id: string; machine: string }[]> =>
        ((await (await fetch(`http://127.0.0.1:${base}/status`)).json()) as { cluster: { members: { id: string; machine: string }[] } }).cluster.members;
      for (let i = 0; i < 300 && (await members()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await members()).map((m) => [m.id, m.machine])).toEqual([['box-shard0', 'box-host'], ['box-shard1', 'box-host']]);
    } finally {
      dev.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out()).toMatch(/ringkv shards: stopped/);
    expect(await gone(pids)).toEqual([]);
  });

  it('leaves no orphan when ringkv dev itself is killed with SIGKILL: its nodes stop on their own', async () => {
    const base = await freeBase();
    const { dev, exited, pids } = await startDev(base, ['--nodes', '2', '--dir', join(dir, 'killed')]);
    expect(pids).toHaveLength(2);
    dev.kill('SIGKILL');
    await exited;
    expect(await gone(pids)).toEqual([]);
  });
});
