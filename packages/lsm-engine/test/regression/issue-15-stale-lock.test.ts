/**
 * Issue 15 item 9: the directory lock was a pid file, so a crash left a LOCK
 * that blocked every restart whenever its pid was alive again (a container's
 * PID 1, the node's own pid). The lock is now a kernel object of the holding
 * process: these tests use real second processes (the built dist, run by
 * test/fixtures/lock-holder.mjs).
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeVfs, openEngine } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const fixture = join(here, '..', 'fixtures', 'lock-holder.mjs');

/** Starts the fixture on `dir` and resolves with the child and its one-line answer. */
function lockInChild(dir: string): Promise<{ child: ChildProcess; answer: string }> {
  const child = spawn(process.execPath, [fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, answer: out.split('\n')[0] as string });
    });
    child.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`lock-holder exited (${code}) without an answer`));
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('the directory lock across processes', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    execSync('npx tsc -b', { cwd: packageDir, stdio: 'pipe' });
    root = mkdtempSync(join(tmpdir(), 'lsm-lock-'));
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  beforeEach(() => {
    dir = join(root, `d${n++}`);
  });

  it('a second process is refused with locked while an engine holds the directory', async () => {
    const db = await openEngine(dir);
    const { answer } = await lockInChild(dir);
    expect(answer).toBe('refused locked');
    await db.close();
    const second = await lockInChild(dir);
    expect(second.answer).toBe('held');
    await killed(second.child);
  });

  it('an engine is refused with locked while another process holds the directory', async () => {
    const { child, answer } = await lockInChild(join(root, 'held'));
    expect(answer).toBe('held');
    await expect(openEngine(join(root, 'held'))).rejects.toMatchObject({ code: 'locked' });
    await killed(child);
  });

  it('a lock held by a process killed with SIGKILL is free at once, its pid file notwithstanding', async () => {
    const { child, answer } = await lockInChild(dir);
    expect(answer).toBe('held');
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(`${child.pid}\n`);
    await killed(child);
    const db = await openEngine(dir);
    await db.close();
  });

  it('a LOCK naming pid 1 or this live process does not block an engine', async () => {
    const vfs = new NodeVfs();
    vfs.mkdirp(dir);
    for (const pid of [1, process.pid]) {
      writeFileSync(join(dir, 'LOCK'), `${pid}\n`);
      const db = await openEngine(dir, { vfs });
      await db.close();
    }
  });
});
