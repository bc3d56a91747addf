/**
 * Three nodes as real processes on loopback (the built dist, started by
 * test/fixtures/node-process.mjs): kill -9 one, keep writing and reading at
 * W=2/R=2, restart it on its data directory, watch its hints arrive, then
 * check that all three stores hold every acknowledged write.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, firstValueText, type TestClient } from './support/client.js';
import { agree, clusterStatus, get, put, seenDown, storedSets, valuesOf, waitUntil } from './support/cluster.js';
import { removeTempDirs, tempDir } from './support/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const fixture = join(here, 'fixtures', 'node-process.mjs');
const children = new Set<ChildProcess>();

/** The root `pnpm test` builds first (tsc -b); a package-only run builds here when dist is missing or older than src. */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const info = join(pkg, 'dist', '.tsbuildinfo');
  if (existsSync(info) && statSync(info).mtimeMs >= newestSourceMs(join(pkg, 'src'))) return;
  const r = spawnSync('npx', ['tsc', '-b', pkg], { cwd: join(pkg, '..', '..'), stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building node-server failed');
}

interface Proc {
  child: ChildProcess;
  url: string;
  httpUrl: string;
}

function spawnNode(options: Record<string, unknown>): Promise<Proc> {
  const child = spawn(process.execPath, [fixture, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        const { url, httpUrl } = JSON.parse(line) as { url: string; httpUrl: string };
        resolve({ child, url, httpUrl });
      }
    });
    child.on('exit', (code) => reject(new Error(`node process exited early (${code})`)));
  });
}

function killed(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

function stopped(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}

const common = { n: 3, r: 2, w: 2, gossipIntervalMs: 50, requestTimeoutMs: 2_000, durability: 'sync' };
const clients: TestClient[] = [];

beforeAll(ensureBuilt, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  for (const c of children) c.kill('SIGKILL');
  removeTempDirs();
});

describe('three node processes', () => {
  it('survive kill -9 of one: W=2/R=2 continue, the restarted node gets its hints, and all three hold every acknowledged write', async () => {
    const dirs = [tempDir(), tempDir(), tempDir()];
    const a = await spawnNode({ id: 'a', dataDir: dirs[0], seeds: [], ...common });
    const [b, c] = await Promise.all([
      spawnNode({ id: 'b', dataDir: dirs[1], seeds: [a.url], ...common }),
      spawnNode({ id: 'c', dataDir: dirs[2], seeds: [a.url], ...common }),
    ]);
    const procs = [a, b, c];
    await waitUntil('three processes agree on the ring', () => agree(procs.map((p) => p.httpUrl), ['a', 'b', 'c']));

    const ca = await connect(a.url);
    const cb = await connect(b.url);
    clients.push(ca, cb);
    const acked = new Map<string, string>();
    for (let i = 0; i < 10; i++) {
      const reply = await put(i % 2 === 0 ? ca : cb, `p-before${i}`, `x${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`p-before${i}`, `x${i}`);
    }

    await killed(c);
    for (let i = 0; i < 20; i++) {
      const reply = await put(i % 2 === 0 ? ca : cb, `p-during${i}`, `y${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`p-during${i}`, `y${i}`);
    }
    for (const [k, v] of acked) expect(firstValueText(await get(ca, k, 2)), k).toBe(v);
    await waitUntil('the killed node is seen down', () => seenDown([a.httpUrl, b.httpUrl], 'c'));

    const port = Number(new URL(c.url).port);
    const c2 = await spawnNode({ id: 'c', dataDir: dirs[2], seeds: [a.url], port, ...common });
    await waitUntil('hints for c are delivered', async () => {
      const all = await Promise.all([a, b].map((p) => clusterStatus(p.httpUrl)));
      return all.every((s) => (s.hintsPending['c'] ?? 0) === 0) && all.some((s) => s.handoff.replayed > 0);
    });
    const cc = await connect(c2.url);
    clients.push(cc);
    for (const [k, v] of acked) expect(firstValueText(await get(cc, k, 2)), k).toBe(v);

    await Promise.all(clients.splice(0).map((x) => x.close().catch(() => {})));
    await Promise.all([a, b, c2].map(stopped));
    const keys = [...acked.keys()];
    for (const dir of dirs) {
      const sets = await storedSets(dir as string, keys);
      for (const [k, v] of acked) expect(valuesOf(sets.get(k)), `${k} in ${dir}`).toEqual([v]);
    }
  }, 60_000);
});
