/**
 * The real binary as child processes: `ringkv start` on a temporary data
 * directory, `ringkv get|put|del` against it, SIGTERM, restart, and the
 * one-line errors. Needs dist/ (the root test command runs `tsc -b` first).
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const env = { ...process.env, RINGKV_URL: '', RINGKV_CONFIG: '', RINGKV_ID: '', RINGKV_PORT: '', RINGKV_DATA: '', RINGKV_TOKEN: '', RINGKV_AUTH_TOKEN: '' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the binary with `input` on its standard input; stdout as bytes. */
function runWithInput(args: string[], input: Uint8Array): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    proc.stdin.end(input);
  });
}

interface Started {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], extra: { cwd?: string; env?: Record<string, string> } = {}): Promise<Started> {
  const proc = spawn(process.execPath, [cli, 'start', ...args], {
    env: { ...env, ...extra.env },
    cwd: extra.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready url=(ws:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ proc, url: m[1], stdout: () => out, exited });
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    void exited.then((code) => reject(new Error(`ringkv start exited with ${code}: ${err}`)));
  });
}

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -b apps/ringkv\` (the root test command does) first`);
  dir = mkdtempSync(join(tmpdir(), 'ringkv-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ringkv binary', () => {
  it('starts, serves get/put/del, stops on SIGTERM, and finds its writes after a restart', async () => {
    const data = join(dir, 'node');
    const flags = ['--id', 'cli1', '--port', '0', '--data', data, '--durability', 'sync', '--log-level', 'warn'];
    const first = await start(flags);
    const url = ['--url', first.url];
    expect((await run(['put', 'greeting', 'hello', ...url])).stdout.trim()).toBe('OK');
    expect((await run(['get', 'greeting', ...url])).stdout.trim()).toBe('hello');
    await run(['put', 'doc', '{"n":[1,2]}', '--json-value', ...url]);
    await run(['put', 'gone', 'x', ...url]);
    expect((await run(['del', 'gone', ...url])).code).toBe(0);
    expect((await run(['get', 'gone', ...url])).stdout.trim()).toBe('(not found)');

    await run(['put', 'fork', 'a', '--blind', ...url]);
    await run(['put', 'fork', 'b', '--blind', ...url]);
    const siblings = (await run(['get', 'fork', ...url])).stdout.split('\n');
    expect(siblings[0]).toMatch(/2 siblings/);
    expect(siblings.slice(1, 3).map((l) => l.slice(0, 4))).toEqual(['[0] ', '[1] ']);
    expect(siblings.slice(1, 3).map((l) => l.slice(4)).sort()).toEqual(['a', 'b']);
    const context = /context: (\S+)/.exec(siblings.join('\n'))?.[1] as string;
    await run(['put', 'fork', 'ab', '--context', context, ...url]);
    expect((await run(['get', 'fork', ...url])).stdout.trim()).toBe('ab');

    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toMatch(/stopped/);

    const second = await start(flags);
    try {
      const again = ['--url', second.url];
      expect((await run(['get', 'greeting', ...again])).stdout.trim()).toBe('hello');
      expect(JSON.parse((await run(['get', 'doc', '--json', ...again])).stdout).siblings).toEqual([{ value: { n: [1, 2] } }]);
      expect((await run(['get', 'fork', ...again])).stdout.trim()).toBe('ab');
      expect((await run(['get', 'gone', ...again])).stdout.trim()).toBe('(not found)');
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('starts from env and a config file alone, with data under ./.ringkv/<id>', async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'ringkv.json'), JSON.stringify({ id: 'from-file', port: 0, logLevel: 'silent', durability: 'none' }));
    const node = await start([], { cwd, env: { RINGKV_CONFIG: 'ringkv.json', RINGKV_ID: 'from-env' } });
    try {
      expect(node.stdout()).toMatch(/^ringkv node from-env ready url=ws:\/\/127\.0\.0\.1:\d+ http=\S+ data=\.ringkv\/from-env durability=none$/m);
      expect(existsSync(join(cwd, '.ringkv', 'from-env'))).toBe(true);
      expect((await run(['put', 'k', 'v', '--url', node.url])).code).toBe(0);
    } finally {
      node.proc.kill('SIGINT');
      expect(await node.exited).toBe(0);
    }
  });

  it('stores values above the argument limit from standard input and --file, byte for byte, and get --raw returns them', async () => {
    const first = await start(['--id', 'cliv', '--port', '0', '--data', join(dir, 'values'), '--durability', 'none', '--log-level', 'warn']);
    const url = ['--url', first.url];
    try {
      // 300 KiB of every byte value: above the ~128 KiB a single argument may hold, and not UTF-8.
      const binary = new Uint8Array(300 * 1024).map((_, i) => (i * 7 + 3) % 256);
      const put = await runWithInput(['put', 'bin', '-', ...url], binary);
      expect(put.stderr).toBe('');
      expect(put.stdout.toString().trim()).toBe('OK');
      const back = await runWithInput(['get', 'bin', '--raw', ...url], new Uint8Array(0));
      expect(back.code).toBe(0);
      expect(Buffer.compare(back.stdout, Buffer.from(binary))).toBe(0);
      // Invalid UTF-8 is kept as bytes, never replaced by U+FFFD.
      await runWithInput(['put', 'latin1', '-', ...url], Uint8Array.from([0x63, 0x61, 0x66, 0xe9]));
      expect((await run(['get', 'latin1', ...url])).stdout.trim()).toBe('0x636166e9');
      const file = join(dir, 'big.txt');
      const text = 'ü'.repeat(100_000);
      writeFileSync(file, text);
      expect((await run(['put', 'text', '--file', file, ...url])).code).toBe(0);
      expect((await run(['get', 'text', ...url])).stdout).toBe(`${text}\n`);
      writeFileSync(file, '{"a":[1,2]}');
      expect((await run(['put', 'doc', '--file', file, '--json-value', ...url])).code).toBe(0);
      expect((await run(['get', 'doc', ...url])).stdout.trim()).toBe('{"a":[1,2]}');
    } finally {
      first.proc.kill('SIGTERM');
      await first.exited;
    }
  });

  it('a bad flag prints one line and exits 2', async () => {
    const r = await run(['get', 'k', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ringkv: get: /);
    const publicBind = await run(['start', '--host', '0.0.0.0', '--port', '0', '--data', join(dir, 'public'), '--log-level', 'silent']);
    expect(publicBind.code).toBe(2);
    expect(publicBind.stderr.trim().split('\n')).toHaveLength(1);
    expect(publicBind.stderr).toMatch(/--auth-token/);
    const tokenOnly = await run(['start', '--port', '0', '--data', join(dir, 'token-only'), '--auth-token', 't', '--log-level', 'silent']);
    expect([tokenOnly.code, tokenOnly.stderr.trim()]).toEqual([2, expect.stringMatching(/^ringkv: start: --auth-token needs --cluster-secret too/)]);
  });

  it('admin commands need the token of a node started with --auth-token, from --token or $RINGKV_TOKEN', async () => {
    const node = await start(['--id', 'tok1', '--port', '0', '--data', join(dir, 'tok'), '--auth-token', 's3cret', '--cluster-secret', 'peer-s3cret', '--log-level', 'silent']);
    try {
      const url = ['--url', node.url];
      const missing = await run(['cleanup', ...url]);
      expect([missing.code, missing.stderr.trim()]).toEqual([1, expect.stringMatching(/^ringkv: cleanup: the node needs a token: give --token or set \$RINGKV_TOKEN/)]);
      const wrong = await run(['plan', 'leave', 'tok1', '--token', 'nope', ...url]);
      expect([wrong.code, wrong.stderr.trim()]).toEqual([1, expect.stringMatching(/^ringkv: plan: the token was refused/)]);
      const right = await run(['cleanup', '--token', 's3cret', ...url]);
      expect(right.code, right.stderr).toBe(0);
      expect(right.stdout).toMatch(/^cleanup: nothing to drop/);
    } finally {
      node.proc.kill('SIGTERM');
      await node.exited;
    }
  });

  it('an unreachable node prints one line and exits 1', async () => {
    const port = await freePort();
    const r = await run(['get', 'k', '--url', `ws://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach a node at ws:\/\/127\.0\.0\.1/);
  });

  it('a port in use or a locked data directory prints one line and exits 1', async () => {
    const data = join(dir, 'locked');
    const node = await start(['--id', 'lock1', '--port', '0', '--data', data, '--log-level', 'silent']);
    try {
      const port = new URL(node.url).port;
      const clash = await run(['start', '--id', 'lock2', '--port', port, '--data', join(dir, 'other'), '--log-level', 'silent']);
      expect(clash.code).toBe(1);
      expect(clash.stderr.trim().split('\n')).toHaveLength(1);
      const locked = await run(['start', '--id', 'lock1', '--port', '0', '--data', data, '--log-level', 'silent']);
      expect(locked.code).toBe(1);
      expect(locked.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      node.proc.kill('SIGTERM');
      await node.exited;
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
