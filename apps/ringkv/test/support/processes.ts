/**
 * Real `ringkv` processes for the process tests: start a node as a user
 * does (free port, its own data directory) and wait for its ready line, run
 * the CLI once, read a node's /status, poll a condition with a bound.
 *
 * Needs dist/ (the root test command runs `tsc -b` first). No duration is
 * asserted anywhere; every wait is bounded and names what it waited for.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The built CLI. */
export const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** The environment of every process: no RINGKV_* setting of the caller's leaks in. */
export const env = { ...process.env, RINGKV_URL: '', RINGKV_CONFIG: '', RINGKV_SEEDS: '', RINGKV_ID: '', RINGKV_PORT: '', RINGKV_DATA: '', RINGKV_JOIN: '', RINGKV_TOKEN: '', RINGKV_AUTH_TOKEN: '', RINGKV_N: '', RINGKV_R: '', RINGKV_W: '', RINGKV_MODE: '', RINGKV_TLS_CERT: '', RINGKV_TLS_KEY: '', RINGKV_TLS_CA: '' };

/** A `ringkv start` process that printed its ready line. */
export interface NodeProcess {
  readonly id: string;
  readonly proc: ChildProcess;
  readonly url: string;
  readonly http: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Throws unless dist/ holds the CLI. */
export function requireBuiltCli(): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b apps/ringkv\` (the root test command does) first`);
}

let machines = 0;

/**
 * Spawns `ringkv start` with `args` (after `start`). Unless `args` name a
 * `--machine` (or start `--shards`), the node gets a machine label of its own:
 * `ringkv start` defaults it to the hostname, which every test node shares,
 * and no two replicas of a key go on one machine.
 */
export function spawnStart(args: readonly string[]): { proc: ChildProcess; exited: Promise<number | null>; output(): string } {
  const machine = args.includes('--machine') || args.includes('--shards') ? [] : ['--machine', `test-machine-${process.pid}-${++machines}`];
  const proc = spawn(process.execPath, [cli, 'start', ...args, ...machine], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, exited, output: () => out };
}

/**
 * `ringkv start --id ID --port 0 --data DIR/ID --log-level warn --durability none …extra`;
 * resolves at its ready line (and pushes it to `started`), rejects if it exits first.
 */
export function startNodeProcess(dir: string, id: string, extra: readonly string[], started: NodeProcess[]): Promise<NodeProcess> {
  const { proc, exited, output } = spawnStart(['--id', id, '--port', '0', '--data', join(dir, id), '--log-level', 'warn', '--durability', 'none', ...extra]);
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', () => {
      const m = /ready url=(wss?:\/\/\S+) http=(https?:\/\/\S+)/.exec(output());
      if (m === null || started.some((n) => n.proc === proc)) return;
      const node = { id, proc, url: m[1] as string, http: m[2] as string, exited, output };
      started.push(node);
      resolve(node);
    });
    void exited.then((code) => reject(new Error(`${id} exited with ${code} before it was ready: ${output()}`)));
  });
}

/** A test file's processes: their temp directory and the nodes it started (`processRun`). */
export interface ProcessRun {
  readonly nodes: NodeProcess[];
  /** The temp directory; node ID's data is in `dir()/ID`. */
  dir(): string;
  /** `startNodeProcess` in this run's directory. */
  start(id: string, extra: readonly string[]): Promise<NodeProcess>;
}

/** Registers beforeAll (the CLI is built; a temp directory `prefix…`) and afterAll (stop every node, remove it). */
export function processRun(prefix: string): ProcessRun {
  let dir = '';
  const nodes: NodeProcess[] = [];
  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await stopAll(nodes);
    rmSync(dir, { recursive: true, force: true });
  });
  return { nodes, dir: () => dir, start: (id, extra) => startNodeProcess(dir, id, extra, nodes) };
}

/** Stops every node still running (SIGTERM) and waits for their exits. */
export async function stopAll(nodes: readonly NodeProcess[]): Promise<void> {
  for (const n of nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exited));
}

/** The CLI binary once, as a user runs it. */
export function run(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** A node's /status as JSON, or `undefined` when it does not answer. */
export async function statusOf<T>(node: { readonly http: string }): Promise<T | undefined> {
  try {
    const res = await fetch(`${node.http}/status`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` every 100 ms until it is true, at most `limitMs`; the failure names `what` and the last views. */
export async function until(what: string, limitMs: number, check: () => Promise<boolean>, views: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(views())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
