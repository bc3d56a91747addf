import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeVfs, toLsmError } from './node-vfs.js';

describe('NodeVfs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lsm-nodevfs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends, syncs, reads back, renames and lists', async () => {
    const vfs = new NodeVfs();
    const f = vfs.create(`${dir}/a`);
    f.append(new Uint8Array([1, 2, 3]));
    await f.sync();
    f.close();
    vfs.rename(`${dir}/a`, `${dir}/b`);
    await vfs.syncDir(dir);
    expect(vfs.list(dir)).toEqual(['b']);
    const r = vfs.openRead(`${dir}/b`);
    expect(r.size()).toBe(3);
    expect(r.read(1, 5)).toEqual(new Uint8Array([2, 3]));
    r.close();
    const g = vfs.openAppend(`${dir}/b`);
    expect(g.size()).toBe(3);
    g.close();
  });

  it('maps ENOSPC to no-space and other OS errors to io, keeping the cause', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    expect(toLsmError(enospc, 'write x')).toMatchObject({ code: 'no-space', cause: enospc });
    expect(toLsmError(eio, 'fsync x')).toMatchObject({ code: 'io', cause: eio });
    expect(toLsmError(eio, 'fsync x').message).toMatch(/^lsm-engine: fsync x: EIO/);
  });

  it('maps ENOENT to not-found', () => {
    expect(() => new NodeVfs().openRead(`${dir}/missing`)).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it('refuses a lock held in this process and frees it on release', async () => {
    const vfs = new NodeVfs();
    const lock = await vfs.lock(`${dir}/LOCK`);
    await expect(vfs.lock(`${dir}/LOCK`)).rejects.toMatchObject({ code: 'locked' });
    lock.release();
    lock.release(); // idempotent
    (await vfs.lock(`${dir}/LOCK`)).release();
  });

  it('a stale LOCK file naming this process, pid 1 or nothing does not block the lock', async () => {
    // Issue 15 item 9: the pid file refused any live pid, so a node that ran as
    // PID 1 in a container could never restart after a crash.
    const vfs = new NodeVfs();
    for (const stale of [`${process.pid}\n`, '1\n', '', 'not a pid']) {
      writeFileSync(`${dir}/LOCK`, stale);
      const lock = await vfs.lock(`${dir}/LOCK`);
      expect(readFileSync(`${dir}/LOCK`, 'utf8')).toBe(`${process.pid}\n`);
      lock.release();
    }
  });

  it('locks of different directories are independent', async () => {
    const other = mkdtempSync(join(tmpdir(), 'lsm-nodevfs-'));
    const vfs = new NodeVfs();
    const a = await vfs.lock(`${dir}/LOCK`);
    const b = await vfs.lock(`${other}/LOCK`);
    a.release();
    b.release();
    rmSync(other, { recursive: true, force: true });
  });
});
