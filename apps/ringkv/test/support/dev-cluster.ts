/**
 * `ringkv dev` as a child process for the tests that need a whole local
 * cluster (dev.test.ts, prometheus.test.ts): free consecutive ports, start,
 * wait for the ready line. Every wait is bounded; no duration is asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cli, env } from './processes.js';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are free now (another process could still take one). */
export async function freeBase(count = 3): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + ((process.pid * 7 + attempt * 97) % 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** Whether process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running `ringkv dev`: its process, exit, node URLs and pids (from the ready line) and its stdout so far. */
export interface DevRun {
  readonly dev: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly urls: string[];
  readonly pids: number[];
  out(): string;
}

/**
 * Starts `ringkv dev --base-port base …extra` (or `command …extra`, e.g. `start --shards 2`);
 * resolves at its ready banner (`readyPattern`, once `done` matched too), rejects if it exits
 * first. `ownGroup`: dev leads a process group, as a shell's foreground job does. `extraEnv`
 * goes over the cleared RINGKV_* environment (e.g. a token and a cluster secret).
 */
export async function startDev(
  base: number,
  extra: string[],
  ownGroup = false,
  command: string[] = ['dev', '--base-port', String(base)],
  readyPattern = /^ringkv dev ready .*$/m,
  done = /Ctrl-C \(stops every node/,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<DevRun> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b apps/ringkv\` first`);
  const dev = spawn(process.execPath, [cli, ...command, ...extra], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  let out = '';
  let err = '';
  dev.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
  const readyLine = await new Promise<string>((resolve, reject) => {
    dev.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = readyPattern.exec(out);
      if (m !== null && done.test(out)) resolve(m[0]);
    });
    void exited.then((code) => reject(new Error(`ringkv dev exited with ${code}: ${err}`)));
  });
  const urls = (/urls=(\S+)/.exec(readyLine)?.[1] ?? '').split(',');
  const pids = (/pids=(\S+)/.exec(readyLine)?.[1] ?? '').split(',').map(Number);
  return { dev, exited, urls, pids, out: () => out };
}
