/**
 * Ringkv nodes as real processes (the built dist, started by
 * test/fixtures/node-process.mjs), for tests that need a second process:
 * kill -9, a lock held by another process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..');
const fixture = join(here, '..', 'fixtures', 'node-process.mjs');
const children = new Set<ChildProcess>();

/** The workspace packages whose built code a node process runs (scripts/layers.json). */
const builtPackages = ['node-server', 'quorum', 'gossip', 'lsm-engine', 'protocol', 'hashring', 'vclock', 'merkle'];

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The root `pnpm test` builds first (tsc -b); a package-only run builds here
 * (node-server and the packages it references) when node-server's build is
 * older than any of their sources, so the processes run the code under test.
 * Test files call it in parallel: it builds only when stale.
 */
export function ensureBuilt(): void {
  const info = join(pkg, 'dist', '.tsbuildinfo');
  const sourcesMs = Math.max(...builtPackages.map((p) => newestSourceMs(join(pkg, '..', p, 'src'))));
  if (existsSync(info) && statSync(info).mtimeMs >= sourcesMs) return;
  const r = spawnSync('npx', ['tsc', '-b', pkg], { cwd: join(pkg, '..', '..'), stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building node-server failed');
}

export interface Proc {
  child: ChildProcess;
  url: string;
  httpUrl: string;
}

/** What the fixture printed: where it serves, or the code of the error that stopped it starting. */
type Started = { url: string; httpUrl: string } | { error: string; message: string };

/** Starts a node process and resolves with its first line (see `Started`). */
export function spawnNodeProcess(options: Record<string, unknown>): Promise<{ child: ChildProcess } & Started> {
  const child = spawn(process.execPath, [fixture, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ child, ...(JSON.parse(line) as Started) });
    });
    child.on('exit', (code) => reject(new Error(`node process exited early (${code})`)));
  });
}

/** Starts a node process that must serve. */
export async function spawnNode(options: Record<string, unknown>): Promise<Proc> {
  const started = await spawnNodeProcess(options);
  if ('error' in started) throw new Error(`node process failed to start: ${started.error}: ${started.message}`);
  return started;
}

export function killed(p: Pick<Proc, 'child'>): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

export function stopped(p: Pick<Proc, 'child'>): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}

/** SIGKILLs every node process still running (for afterAll). */
export function killAllNodeProcesses(): void {
  for (const c of children) c.kill('SIGKILL');
}
