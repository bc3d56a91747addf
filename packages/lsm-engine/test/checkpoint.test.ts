/**
 * Checkpoints (issue 18, backups): a checkpoint taken while the engine serves
 * opens as an engine holding every write acknowledged before it, and none
 * made after it; on MemVfs with flushes and compactions racing it, and on the
 * real disk with hard links. Replay with SEED=<n>.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { isLsmError, MemVfs, NodeVfs, openEngine, type Engine, type Vfs } from '../src/index.js';
import { b, ManualClock, s } from './helpers.js';

const small = { memtableBytes: 64 * 1024, blockSizeBytes: 512, l0CompactionTrigger: 2, levelSizeBaseBytes: 64 * 1024, targetFileSizeBytes: 32 * 1024 };

function contents(db: Engine): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of db.iterate()) out.set(s(k) as string, s(v) as string);
  return out;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('engine checkpoints', () => {
  it('holds exactly the writes acknowledged before it, with flushes and compactions running', async () => {
    const seed = testSeed(1818);
    const rng = new Rng(seed);
    const vfs = new MemVfs();
    const db = await openEngine('db', { vfs, clock: new ManualClock(), ...small });
    const model = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 800; i++) {
        const k = `k${rng.int(200)}`;
        if (rng.chance(0.15)) {
          await db.delete(b(k));
          model.delete(k);
        } else {
          const v = `v${round}-${i}-${'x'.repeat(rng.int(80))}`;
          await db.put(b(k), b(v));
          model.set(k, v);
        }
      }
      const taking = db.checkpoint(`cp${round}`);
      const after = db.put(b('written-after'), b(String(round))); // issued once the checkpoint began
      const info = await taking;
      await after;
      expect(info.tables, seedNote(seed)).toBeGreaterThan(0);
      const copy = await openEngine(`cp${round}`, { vfs, clock: new ManualClock() });
      const got = contents(copy);
      // A write concurrent with the checkpoint may or may not be in it; every earlier one is.
      expect([model.get('written-after'), String(round)], seedNote(seed)).toContain(got.get('written-after'));
      got.delete('written-after');
      const before = new Map(model);
      before.delete('written-after');
      expect(got, `round ${round} ${seedNote(seed)}`).toEqual(before);
      await copy.close();
      model.set('written-after', String(round));
    }
    expect(contents(db)).toEqual(model);
    await db.close();
  });

  it('links the tables on the real disk and survives the source compacting them away', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ringkv-cp-'));
    dirs.push(root);
    const vfs: Vfs = new NodeVfs();
    // No background compaction until the test asks for one: the source's names of the tables stay while the links are checked.
    const db = await openEngine(join(root, 'db'), { vfs, ...small, autoCompaction: false });
    for (let i = 0; i < 500; i++) await db.put(b(`key-${i}`), b(`value-${i}-${"y".repeat(200)}`));
    const info = await db.checkpoint(join(root, 'cp'));
    const linked = vfs.list(join(root, 'cp')).filter((n) => n.endsWith('.sst'));
    expect(linked.length).toBe(info.tables);
    expect(statSync(join(root, 'cp', linked[0] as string)).nlink).toBeGreaterThanOrEqual(2); // a hard link, not a copy
    for (let i = 0; i < 500; i++) await db.delete(b(`key-${i}`));
    await db.compact(); // removes the source's names of the checkpointed tables
    await db.close();
    const copy = await openEngine(join(root, 'cp'), { vfs });
    expect(contents(copy).size).toBe(500);
    expect(s((await copy.get(b('key-7'))) as Uint8Array)).toMatch(/^value-7-/);
    await copy.close();
  });

  it('refuses a directory that is not empty, or the engine’s own', async () => {
    const vfs = new MemVfs();
    const db = await openEngine('db', { vfs, clock: new ManualClock() });
    await db.put(b('a'), b('1'));
    await db.checkpoint('cp');
    for (const dir of ['cp', 'db']) {
      const error = await db.checkpoint(dir).catch((e: unknown) => e);
      expect(isLsmError(error) && error.code === 'invalid-argument', dir).toBe(true);
    }
    await db.close();
  });
});
