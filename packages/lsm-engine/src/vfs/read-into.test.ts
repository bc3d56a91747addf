/** `readInto` agrees with `read` on every Vfs, and leaves the rest of the target alone. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { isLsmError } from '../errors.js';
import { FaultVfs } from './fault-vfs.js';
import { MemVfs } from './mem-vfs.js';
import { NodeVfs } from './node-vfs.js';
import type { Vfs } from './vfs.js';

const nodeDir = mkdtempSync(join(tmpdir(), 'lsm-readinto-'));
afterAll(() => rmSync(nodeDir, { recursive: true, force: true }));

const cases: [string, () => { vfs: Vfs; path: string }][] = [
  ['NodeVfs', () => ({ vfs: new NodeVfs(), path: `${nodeDir}/f` })],
  ['MemVfs', () => ({ vfs: new MemVfs(), path: 'f' })],
  ['FaultVfs', () => ({ vfs: new FaultVfs(), path: 'f' })],
];

describe.each(cases)('%s readInto', (_name, make) => {
  it('reads the same bytes as read at any offset, short only at end of file, into a reused target', async () => {
    const seed = testSeed(4242);
    const rng = new Rng(seed);
    const { vfs, path } = make();
    const content = rng.bytes(5000);
    const w = vfs.create(path);
    w.append(content);
    await w.sync();
    w.close();
    const file = vfs.openRead(path);
    const target = new Uint8Array(6000);
    for (let i = 0; i < 200; i++) {
      const offset = rng.int(5200);
      const length = rng.int(800);
      target.fill(0xee);
      const n = file.readInto(offset, length, target);
      const expected = content.subarray(Math.min(offset, 5000), Math.min(5000, offset + length));
      expect(n, seedNote(seed)).toBe(expected.length);
      expect(target.subarray(0, n), seedNote(seed)).toEqual(expected);
      expect(target.subarray(n, n + 8).every((x) => x === 0xee), seedNote(seed)).toBe(true);
      expect(file.read(offset, length), seedNote(seed)).toEqual(expected);
    }
    file.close();
  });

  it('rejects a target too small for the length with invalid-argument', async () => {
    const { vfs, path } = make();
    const w = vfs.create(path);
    w.append(new Uint8Array(100));
    w.close();
    const file = vfs.openRead(path);
    let caught: unknown;
    try {
      file.readInto(0, 50, new Uint8Array(10));
    } catch (error) {
      caught = error;
    }
    expect(isLsmError(caught) && caught.code).toBe('invalid-argument');
    file.close();
  });
});
