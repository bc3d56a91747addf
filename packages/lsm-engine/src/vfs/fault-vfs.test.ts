import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { isLsmError } from '../errors.js';
import { FaultVfs } from './fault-vfs.js';
import { MemVfs } from './mem-vfs.js';

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

describe('MemVfs', () => {
  it('reads back appended bytes and lists files of a directory only', () => {
    const vfs = new MemVfs();
    vfs.mkdirp('db/sub');
    const f = vfs.create('db/a');
    f.append(bytes(1, 2, 3));
    f.append(bytes(4));
    vfs.create('db/sub/b').close();
    expect(vfs.readFile('db/a')).toEqual(bytes(1, 2, 3, 4));
    expect(vfs.openRead('db/a').read(1, 10)).toEqual(bytes(2, 3, 4));
    expect(vfs.list('db').sort()).toEqual(['a']);
    expect(vfs.sizeOf('db/a')).toBe(4);
  });

  it('reports a missing file as not-found and a held lock as locked', async () => {
    const vfs = new MemVfs();
    expect(() => vfs.openRead('x')).toThrow(expect.objectContaining({ code: 'not-found' }));
    const lock = await vfs.lock('db/LOCK');
    await expect(vfs.lock('db/LOCK')).rejects.toMatchObject({ code: 'locked' });
    lock.release();
    (await vfs.lock('db/LOCK')).release();
  });
});

describe('FaultVfs', () => {
  it('a crash keeps synced bytes and drops unsynced ones in drop mode', async () => {
    const vfs = new FaultVfs();
    const f = vfs.create('d/log');
    await vfs.syncDir('d');
    f.append(bytes(1, 2));
    await f.sync();
    f.append(bytes(3, 4));
    vfs.crash(new Rng(1), 'drop');
    expect(vfs.readFile('d/log')).toEqual(bytes(1, 2));
  });

  it('a crash undoes directory entries that were never synced', async () => {
    const vfs = new FaultVfs();
    const a = vfs.create('d/a');
    a.append(bytes(9));
    await a.sync();
    await vfs.syncDir('d');
    const b = vfs.create('d/b');
    await b.sync();
    vfs.rename('d/a', 'd/c');
    vfs.crash(new Rng(2), 'prefix');
    expect(vfs.list('d').sort()).toEqual(['a']);
  });

  it('a crash keeps a prefix of the unsynced bytes, never bytes out of order', async () => {
    const seed = testSeed(77);
    const rng = new Rng(seed);
    for (let round = 0; round < 50; round++) {
      const vfs = new FaultVfs();
      const f = vfs.create('d/f');
      await vfs.syncDir('d');
      const data = rng.bytes(64);
      f.append(data.subarray(0, 10));
      await f.sync();
      f.append(data.subarray(10));
      vfs.crash(rng, 'prefix');
      const kept = vfs.readFile('d/f');
      expect(kept.length, seedNote(seed)).toBeGreaterThanOrEqual(10);
      expect(kept, seedNote(seed)).toEqual(data.subarray(0, kept.length));
    }
  });

  it('fails the next fsync with EIO, then succeeds again', async () => {
    const vfs = new FaultVfs();
    const f = vfs.create('d/f');
    vfs.failSyncs('next');
    const err = await f.sync().catch((e: unknown) => e);
    expect(isLsmError(err) && err.code).toBe('io');
    await f.sync();
  });

  it('fails appends with no-space while told to', () => {
    const vfs = new FaultVfs();
    const f = vfs.create('d/f');
    vfs.failAppends('no-space');
    expect(() => f.append(bytes(1))).toThrow(expect.objectContaining({ code: 'no-space' }));
    vfs.failAppends('none');
    f.append(bytes(1));
    expect(f.size()).toBe(1);
  });

  it('cuts the power after the k-th fault point and kills old handles on crash', async () => {
    const vfs = new FaultVfs();
    vfs.crashAtPoint(2);
    const f = vfs.create('d/f'); // point 1
    f.append(bytes(1)); // point 2: takes effect, then power off
    expect(vfs.crashed).toBe(true);
    expect(() => f.append(bytes(2))).toThrow(expect.objectContaining({ code: 'io' }));
    vfs.crash(new Rng(3));
    expect(vfs.exists('d/f')).toBe(false); // never syncDir'd
    expect(() => f.append(bytes(3))).toThrow(expect.objectContaining({ code: 'io' }));
  });
});
