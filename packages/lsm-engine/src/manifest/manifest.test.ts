import { describe, expect, it } from 'vitest';
import { MemVfs } from '../vfs/mem-vfs.js';
import { decodeManifest, encodeManifest, installManifest, readCurrentManifest, type ManifestState } from './manifest.js';

const state: ManifestState = {
  nextFileNumber: 17,
  lastSeq: 2 ** 40 + 5,
  logNumber: 12,
  checkpoints: [{ seq: 3, timeMs: 1_700_000_000_000 }],
  levels: [
    [{ fileNumber: 9, sizeBytes: 4096, entries: 10, tombstones: 1, smallestKey: new Uint8Array([1]), largestKey: new Uint8Array([9, 9]), smallestSeq: 1, largestSeq: 10 }],
    [],
  ],
};

describe('manifest', () => {
  it('round-trips every field', () => {
    expect(decodeManifest(encodeManifest(state), 'm')).toEqual(state);
  });

  it('reports any flipped bit as corruption', () => {
    const bytes = encodeManifest(state);
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] = (copy[i] as number) ^ 0x10;
      expect(() => decodeManifest(copy, 'm'), `byte ${i}`).toThrow(expect.objectContaining({ code: 'corruption' }));
    }
  });

  it('installs atomically through CURRENT and reads back the newest', async () => {
    const vfs = new MemVfs();
    expect(readCurrentManifest(vfs, 'db')).toBeUndefined();
    await installManifest(vfs, 'db', 3, state);
    await installManifest(vfs, 'db', 4, { ...state, lastSeq: 99 });
    const cur = readCurrentManifest(vfs, 'db');
    expect(cur?.number).toBe(4);
    expect(cur?.state.lastSeq).toBe(99);
    expect(vfs.exists('db/CURRENT.tmp')).toBe(false);
  });
});
