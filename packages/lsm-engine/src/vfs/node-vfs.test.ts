import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('refuses a lock held by this live process and takes over a dead process lock', () => {
    const vfs = new NodeVfs();
    const lock = vfs.lock(`${dir}/LOCK`);
    expect(() => vfs.lock(`${dir}/LOCK`)).toThrow(expect.objectContaining({ code: 'locked' }));
    lock.release();
    // pid 2^22+ is above Linux's pid_max default, so no process has it.
    writeFileSync(`${dir}/LOCK`, '4194999\n');
    vfs.lock(`${dir}/LOCK`).release();
  });
});
