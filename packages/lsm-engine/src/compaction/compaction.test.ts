import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { compareBytes, compareInternal, KIND_DELETE, KIND_PUT, type EntryKind } from '../format/internal.js';
import { BlockCache } from '../sstable/block-cache.js';
import { TableBuilder } from '../sstable/table-builder.js';
import { TableCache } from '../sstable/table-cache.js';
import type { TableBuildOptions, TableMeta } from '../sstable/types.js';
import { MemVfs } from '../vfs/mem-vfs.js';
import { runCompaction } from './compaction-job.js';
import { levelScores, pickCompaction } from './picker.js';
import type { CompactionContext, CompactionOptions } from './types.js';

interface Entry {
  key: Uint8Array;
  seq: number;
  kind: EntryKind;
  value: Uint8Array;
}

const BUILD: TableBuildOptions = { blockSizeBytes: 512, restartInterval: 8, bloomBitsPerKey: 10, compression: 'lz4' };
const byInternal = (a: Entry, b: Entry) => compareInternal(a.key, a.seq, b.key, b.seq);

/** Independent statement of the dropping rules: per key, keep versions newer than the snapshot, then the visible one unless it is an expired tombstone. */
function modelCompact(all: Entry[], smallestSnapshotSeq: number, tombstoneDropMaxSeq: number, isBase: (k: Uint8Array) => boolean): Entry[] {
  const sorted = [...all].sort(byInternal);
  const out: Entry[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && compareBytes(sorted[j]!.key, sorted[i]!.key) === 0) j++;
    const group = sorted.slice(i, j);
    const visible = group.findIndex((e) => e.seq <= smallestSnapshotSeq);
    const keepUntil = visible < 0 ? group.length : visible + 1;
    for (let g = 0; g < keepUntil; g++) {
      const e = group[g]!;
      const expired = g === visible && e.kind === KIND_DELETE && e.seq <= tombstoneDropMaxSeq && isBase(e.key);
      if (!expired) out.push(e);
    }
    i = j;
  }
  return out;
}

function setup(rng: Rng) {
  const vfs = new MemVfs();
  const blockCache = new BlockCache(1 << 20);
  const tableCache = new TableCache(vfs, (n) => `db/${n}.sst`, 8, blockCache);
  let next = 1;
  const writeTable = (entries: Entry[]): TableMeta => {
    const n = next++;
    const b = new TableBuilder(vfs.create(`db/${n}.sst`), n, BUILD);
    for (const e of [...entries].sort(byInternal)) b.add(e.key, e.seq, e.kind, e.value);
    return b.finish();
  };
  const key = () => new TextEncoder().encode(`k${String(rng.int(600)).padStart(4, '0')}`);
  const readAll = (metas: TableMeta[]): Entry[] =>
    metas.flatMap((m) => {
      const it = tableCache.iterator(m.fileNumber);
      const out: Entry[] = [];
      for (it.seekToFirst(); it.valid(); it.next()) out.push({ key: it.key().slice(), seq: it.seq(), kind: it.kind(), value: it.value().slice() });
      it.close();
      return out;
    });
  return { vfs, tableCache, writeTable, key, readAll, newFileNumber: () => next++ };
}

describe('runCompaction', () => {
  for (const [name, snapshot, graceSeq, base] of [
    ['no snapshots, tombstones expired, base level', Infinity, Infinity, true],
    ['an old snapshot keeps versions it can see', 900, Infinity, true],
    ['tombstones inside the grace period are kept', Infinity, 700, true],
    ['tombstones are kept when a lower level may hold the key', Infinity, Infinity, false],
  ] as const) {
    it(`output equals the model of merged inputs minus dropped entries: ${name}`, async () => {
      const seed = testSeed(401);
      const rng = new Rng(seed);
      const s = setup(rng);
      let seq = 1;
      const mk = (): Entry => {
        const kind: EntryKind = rng.int(4) === 0 ? KIND_DELETE : KIND_PUT;
        return { key: s.key(), seq: seq++, kind, value: kind === KIND_DELETE ? new Uint8Array(0) : rng.bytes(20 + rng.int(60)) };
      };
      // L1: two non-overlapping tables of older data; L0: three overlapping newer tables.
      const old = Array.from({ length: 800 }, mk);
      const dedup = (es: Entry[]) => es.filter((e, i) => es.findIndex((x) => compareBytes(x.key, e.key) === 0 && x.seq === e.seq) === i);
      const l1a = s.writeTable(dedup(old.filter((e) => compareBytes(e.key, new TextEncoder().encode('k0300')) < 0)));
      const l1b = s.writeTable(dedup(old.filter((e) => compareBytes(e.key, new TextEncoder().encode('k0300')) >= 0)));
      const l0 = [0, 1, 2].map(() => Array.from({ length: 300 }, mk));
      const l0Metas = l0.map((es) => s.writeTable(es)).reverse();
      const all = [...old, ...l0.flat()];
      const isBase = () => base;
      const ctx: CompactionContext = {
        tableCache: s.tableCache,
        vfs: s.vfs,
        pathOf: (n) => `db/${n}.sst`,
        newFileNumber: s.newFileNumber,
        buildOptions: BUILD,
        targetFileSizeBytes: 8 * 1024,
        smallestSnapshotSeq: snapshot === Infinity ? Number.MAX_SAFE_INTEGER : snapshot,
        tombstoneDropMaxSeq: graceSeq === Infinity ? Number.MAX_SAFE_INTEGER : graceSeq,
        isBaseLevelForKey: isBase,
        yieldToEventLoop: async () => {},
      };
      const plan = pickCompaction([l0Metas, [l1a, l1b]], { l0CompactionTrigger: 3, levelSizeBaseBytes: 1 << 30, levelSizeMultiplier: 10, targetFileSizeBytes: 8192, levelsMax: 7 });
      expect(plan?.level).toBe(0);
      expect(plan?.overlapping.map((t) => t.fileNumber)).toEqual([l1a.fileNumber, l1b.fileNumber]);
      const result = await runCompaction(plan!, ctx);
      const want = modelCompact(all, ctx.smallestSnapshotSeq, ctx.tombstoneDropMaxSeq, isBase);
      expect(s.readAll(result.outputs), seedNote(seed)).toEqual(want);
      expect(result.droppedEntries).toBe(all.length - want.length);
      expect(result.droppedTombstones).toBe(all.filter((e) => e.kind === KIND_DELETE).length - want.filter((e) => e.kind === KIND_DELETE).length);
      expect(result.bytesWritten).toBe(result.outputs.reduce((n, t) => n + t.sizeBytes, 0));
      expect(result.bytesRead).toBe([...l0Metas, l1a, l1b].reduce((n, t) => n + t.sizeBytes, 0));
      // Outputs: several, sorted, non-overlapping, no user key split across two.
      expect(result.outputs.length).toBeGreaterThan(1);
      for (let i = 1; i < result.outputs.length; i++) {
        expect(compareBytes(result.outputs[i - 1]!.largestKey, result.outputs[i]!.smallestKey)).toBeLessThan(0);
      }
    });
  }

  it('writes no table when every entry is dropped', async () => {
    const s = setup(new Rng(1));
    const k = new TextEncoder().encode('gone');
    const t = s.writeTable([{ key: k, seq: 2, kind: KIND_DELETE, value: new Uint8Array(0) }, { key: k, seq: 1, kind: KIND_PUT, value: new Uint8Array([1]) }]);
    const filesBefore = s.vfs.list('db').length;
    const result = await runCompaction(
      { level: 0, outputLevel: 1, inputs: [t], overlapping: [], reason: 'test', score: 0 },
      { tableCache: s.tableCache, vfs: s.vfs, pathOf: (n) => `db/${n}.sst`, newFileNumber: s.newFileNumber, buildOptions: BUILD, targetFileSizeBytes: 1 << 20, smallestSnapshotSeq: 10, tombstoneDropMaxSeq: 10, isBaseLevelForKey: () => true },
    );
    expect(result).toMatchObject({ outputs: [], droppedEntries: 2, droppedTombstones: 1, bytesWritten: 0 });
    expect(s.vfs.list('db').length).toBe(filesBefore);
  });

  it('removes its outputs and reports the error when an output sync fails', async () => {
    const s = setup(new Rng(2));
    const t = s.writeTable(Array.from({ length: 50 }, (_, i) => ({ key: new Uint8Array([i]), seq: i + 1, kind: KIND_PUT as EntryKind, value: new Uint8Array(100) })));
    const create = s.vfs.create.bind(s.vfs);
    s.vfs.create = (path: string) => {
      const f = create(path);
      return { path, size: () => f.size(), append: (d: Uint8Array) => f.append(d), close: () => f.close(), sync: async () => Promise.reject(new Error('EIO')) };
    };
    const filesBefore = new Set(s.vfs.list('db'));
    await expect(
      runCompaction(
        { level: 0, outputLevel: 1, inputs: [t], overlapping: [], reason: 'test', score: 0 },
        { tableCache: s.tableCache, vfs: s.vfs, pathOf: (n) => `db/${n}.sst`, newFileNumber: s.newFileNumber, buildOptions: BUILD, targetFileSizeBytes: 1 << 20, smallestSnapshotSeq: 100, tombstoneDropMaxSeq: 0, isBaseLevelForKey: () => true },
      ),
    ).rejects.toThrow('EIO');
    expect(new Set(s.vfs.list('db'))).toEqual(filesBefore);
  });
});

describe('pickCompaction', () => {
  const opts: CompactionOptions = { l0CompactionTrigger: 4, levelSizeBaseBytes: 1000, levelSizeMultiplier: 10, targetFileSizeBytes: 100, levelsMax: 4 };
  const enc = (s: string) => new TextEncoder().encode(s);
  let n = 0;
  const t = (lo: string, hi: string, sizeBytes: number): TableMeta => ({
    fileNumber: ++n, sizeBytes, entries: 1, tombstones: 0, smallestKey: enc(lo), largestKey: enc(hi), smallestSeq: 1, largestSeq: 1,
  });

  it('returns nothing while every level is under its target', () => {
    expect(pickCompaction([[t('a', 'z', 10)], [t('a', 'm', 900)], [t('a', 'z', 9000)]], opts)).toBeUndefined();
  });

  it('scores L0 by table count and Ln by bytes over base times multiplier^(n-1)', () => {
    const levels = [[t('a', 'b', 1), t('c', 'd', 1)], [t('a', 'z', 1500)], [t('a', 'z', 5000)], [t('a', 'z', 1e9)]];
    expect(levelScores(levels, opts)).toEqual([0.5, 1.5, 0.5, 0]);
  });

  it('compacts all of L0 with the L1 tables that overlap it once L0 reaches the trigger', () => {
    const l1 = [t('a', 'c', 100), t('d', 'f', 100), t('x', 'z', 100)];
    const l0 = [t('b', 'e', 10), t('e', 'g', 10), t('a', 'b', 10), t('c', 'd', 10)];
    const plan = pickCompaction([l0, l1], opts);
    expect(plan).toMatchObject({ level: 0, outputLevel: 1, score: 1 });
    expect(plan!.inputs).toEqual(l0);
    expect(plan!.overlapping).toEqual([l1[0], l1[1]]);
  });

  it('picks the level with the highest score', () => {
    const l0 = [t('a', 'b', 1), t('a', 'b', 1), t('a', 'b', 1), t('a', 'b', 1)]; // score 1
    const l1 = [t('a', 'c', 1500), t('d', 'f', 1500)]; // score 3
    expect(pickCompaction([l0, l1], opts)?.level).toBe(1);
  });

  it('in Ln picks the table with the smallest overlap in Ln+1 relative to its size', () => {
    const l1 = [t('a', 'c', 1000), t('d', 'f', 1000), t('g', 'i', 1000)];
    const l2 = [t('a', 'b', 5000), t('d', 'd', 100), t('h', 'i', 3000)];
    const plan = pickCompaction([[], l1, l2], opts);
    expect(plan?.inputs).toEqual([l1[1]]);
    expect(plan?.overlapping).toEqual([l2[1]]);
    expect(plan?.outputLevel).toBe(2);
  });

  it('proposes a trivial move when the chosen table overlaps nothing below', () => {
    const l1 = [t('a', 'c', 2000)];
    const plan = pickCompaction([[], l1, [t('x', 'z', 10)]], opts);
    expect(plan).toMatchObject({ level: 1, outputLevel: 2, overlapping: [], trivialMove: true });
  });

  it('takes along a neighbour that shares a boundary user key', () => {
    const l1 = [t('a', 'c', 1000), t('c', 'e', 1000), t('f', 'g', 1000)];
    const l2 = [t('a', 'a', 10_000), t('f', 'g', 10_000)];
    const plan = pickCompaction([[], l1, l2], opts);
    expect(plan?.inputs).toEqual([l1[0], l1[1]]);
  });

  it('never compacts the last level by score', () => {
    expect(pickCompaction([[], [], [], [t('a', 'z', 1e12)]], opts)).toBeUndefined();
  });
});

describe('overlappingTables', () => {
  it('finds the same tables by binary search in a sorted level as by a scan', async () => {
    const { overlappingTables } = await import('./picker.js');
    const seed = testSeed(402);
    const rng = new Rng(seed);
    const enc = (n: number) => new TextEncoder().encode(String(n).padStart(5, '0'));
    const level: TableMeta[] = [];
    for (let lo = 0, n = 1; lo < 5000; n++) {
      const hi = lo + rng.int(50);
      level.push({ fileNumber: n, sizeBytes: 1, entries: 1, tombstones: 0, smallestKey: enc(lo), largestKey: enc(hi), smallestSeq: 1, largestSeq: 1 });
      lo = hi + 1 + rng.int(10);
    }
    for (let i = 0; i < 300; i++) {
      const a = rng.int(5200);
      const b = a + rng.int(300);
      expect(overlappingTables(level, enc(a), enc(b), true), seedNote(seed)).toEqual(overlappingTables(level, enc(a), enc(b)));
    }
  });
});
