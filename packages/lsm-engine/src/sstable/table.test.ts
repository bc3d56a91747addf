import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { compareBytes, compareInternal, KIND_DELETE, KIND_PUT, SEQ_MAX, type EntryKind, type InternalIterator } from '../format/internal.js';
import { isLsmError } from '../errors.js';
import { BlockCache } from './block-cache.js';
import { TableBuilder } from './table-builder.js';
import { TableReader } from './table-reader.js';
import type { TableBuildOptions } from './types.js';
import { MemVfs } from '../vfs/mem-vfs.js';

interface Entry {
  key: Uint8Array;
  seq: number;
  kind: EntryKind;
  value: Uint8Array;
}

const SMALL_BLOCKS: TableBuildOptions = { blockSizeBytes: 256, restartInterval: 4, bloomBitsPerKey: 10, compression: 'lz4' };

/** Keys with shared prefixes (so prefix compression matters), 1-3 versions each, some tombstones. */
function randomEntries(rng: Rng, keys: number): Entry[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  let seq = 1;
  while (seen.size < keys) {
    const key = new Uint8Array([rng.int(4), rng.int(8), ...rng.bytes(rng.int(12))]);
    const id = key.join(',');
    if (seen.has(id)) continue;
    seen.add(id);
    const versions = 1 + rng.int(3);
    for (let v = 0; v < versions; v++) {
      const kind: EntryKind = rng.int(5) === 0 ? KIND_DELETE : KIND_PUT;
      const value = kind === KIND_DELETE ? new Uint8Array(0) : rng.int(3) === 0 ? rng.bytes(rng.int(64)) : new Uint8Array(rng.int(200)).fill(65 + rng.int(3));
      out.push({ key, seq: seq++, kind, value });
    }
  }
  return out.sort((a, b) => compareInternal(a.key, a.seq, b.key, b.seq));
}

function buildTable(vfs: MemVfs, path: string, entries: Entry[], options: TableBuildOptions = SMALL_BLOCKS, fileNumber = 7) {
  const file = vfs.create(path);
  const builder = new TableBuilder(file, fileNumber, options);
  for (const e of entries) builder.add(e.key, e.seq, e.kind, e.value);
  return builder.finish();
}

function drain(it: InternalIterator): Entry[] {
  const out: Entry[] = [];
  for (; it.valid(); it.next()) out.push({ key: it.key().slice(), seq: it.seq(), kind: it.kind(), value: it.value().slice() });
  return out;
}

function modelGet(entries: Entry[], key: Uint8Array, snapshot: number): Entry | undefined {
  return entries.find((e) => compareBytes(e.key, key) === 0 && e.seq <= snapshot);
}

/** Replaces a file's contents (to corrupt a table). */
function rewrite(vfs: MemVfs, path: string, data: Uint8Array): void {
  const f = vfs.create(path);
  f.append(data);
  f.close();
}

function openTable(vfs: MemVfs, path: string, cache = new BlockCache(1 << 20)): TableReader {
  return TableReader.open(vfs.openRead(path), 7, cache);
}

describe('TableBuilder and TableReader', () => {
  for (const compression of ['lz4', 'none'] as const) {
    it(`round-trip random entries in internal order with ${compression} blocks`, () => {
      const seed = testSeed(101);
      const rng = new Rng(seed);
      const entries = randomEntries(rng, 2000);
      const vfs = new MemVfs();
      const meta = buildTable(vfs, 't/7.sst', entries, { ...SMALL_BLOCKS, compression });
      const reader = openTable(vfs, 't/7.sst');
      const it = reader.iterator();
      it.seekToFirst();
      expect(drain(it), seedNote(seed)).toEqual(entries);
      expect(reader.dataBlocks).toBeGreaterThan(50);
      expect(meta.entries).toBe(entries.length);
      expect(meta.tombstones).toBe(entries.filter((e) => e.kind === KIND_DELETE).length);
      expect(meta.smallestKey).toEqual(entries[0]!.key);
      expect(meta.largestKey).toEqual(entries.at(-1)!.key);
      expect(meta.smallestSeq).toBe(Math.min(...entries.map((e) => e.seq)));
      expect(meta.largestSeq).toBe(Math.max(...entries.map((e) => e.seq)));
      expect(meta.sizeBytes).toBe(vfs.sizeOf('t/7.sst'));
      expect(reader.meta).toEqual(meta);
    });
  }

  it('compresses compressible blocks and stores incompressible ones raw', () => {
    const seed = testSeed(102);
    const rng = new Rng(seed);
    const mk = (fill: (i: number) => Uint8Array) =>
      Array.from({ length: 500 }, (_, i) => ({ key: new TextEncoder().encode(`key${String(i).padStart(6, '0')}`), seq: i + 1, kind: KIND_PUT as EntryKind, value: fill(i) }));
    const vfs = new MemVfs();
    const repetitive = mk(() => new Uint8Array(100).fill(120));
    const random = mk(() => rng.bytes(100));
    const a = buildTable(vfs, 'a', repetitive, { ...SMALL_BLOCKS, blockSizeBytes: 4096, compression: 'lz4' });
    const b = buildTable(vfs, 'b', repetitive, { ...SMALL_BLOCKS, blockSizeBytes: 4096, compression: 'none' });
    const c = buildTable(vfs, 'c', random, { ...SMALL_BLOCKS, blockSizeBytes: 4096, compression: 'lz4' });
    const d = buildTable(vfs, 'd', random, { ...SMALL_BLOCKS, blockSizeBytes: 4096, compression: 'none' });
    expect(a.sizeBytes).toBeLessThan(b.sizeBytes / 3);
    expect(c.sizeBytes).toBe(d.sizeBytes);
    for (const [path, entries] of [['a', repetitive], ['c', random]] as const) {
      const it = openTable(vfs, path).iterator();
      it.seekToFirst();
      expect(drain(it), seedNote(seed)).toEqual(entries);
    }
  });

  it('get returns the newest version at or below the snapshot, tombstones included', () => {
    const seed = testSeed(103);
    const rng = new Rng(seed);
    const entries = randomEntries(rng, 1500);
    const vfs = new MemVfs();
    buildTable(vfs, 't', entries);
    const reader = openTable(vfs, 't');
    const maxSeq = entries.length;
    for (let i = 0; i < 3000; i++) {
      const probe = entries[rng.int(entries.length)]!;
      const snapshot = rng.int(3) === 0 ? SEQ_MAX : rng.int(maxSeq + 2);
      const want = modelGet(entries, probe.key, snapshot);
      const got = reader.get(probe.key, snapshot);
      expect(got === undefined ? undefined : { ...got, key: got.key.slice() }, `${seedNote(seed)} snapshot ${snapshot}`).toEqual(want);
    }
  });

  it('get finds versions of one key spread over several blocks', () => {
    const key = new TextEncoder().encode('hot-key');
    const entries: Entry[] = [];
    for (let seq = 400; seq >= 1; seq--) entries.push({ key, seq, kind: KIND_PUT, value: new Uint8Array([seq & 0xff, seq >> 8]) });
    entries.push({ key: new TextEncoder().encode('hot-kez'), seq: 500, kind: KIND_PUT, value: new Uint8Array([1]) });
    const vfs = new MemVfs();
    buildTable(vfs, 't', entries, { ...SMALL_BLOCKS, blockSizeBytes: 64 });
    const reader = openTable(vfs, 't');
    expect(reader.dataBlocks).toBeGreaterThan(10);
    for (let snapshot = 0; snapshot <= 401; snapshot++) {
      const got = reader.get(key, snapshot);
      if (snapshot === 0) expect(got).toBeUndefined();
      else expect(got?.seq, `snapshot ${snapshot}`).toBe(Math.min(snapshot, 400));
    }
  });

  it('get of an absent key between, before and after the table is undefined', () => {
    const seed = testSeed(104);
    const entries = randomEntries(new Rng(seed), 500);
    const vfs = new MemVfs();
    buildTable(vfs, 't', entries);
    const reader = openTable(vfs, 't');
    for (const e of entries) {
      const after = new Uint8Array([...e.key, 0]);
      if (entries.some((x) => compareBytes(x.key, after) === 0)) continue;
      expect(reader.get(after, SEQ_MAX), seedNote(seed)).toBeUndefined();
    }
    expect(reader.get(new Uint8Array(0), SEQ_MAX)).toBeUndefined();
    expect(reader.get(new Uint8Array([255, 255]), SEQ_MAX)).toBeUndefined();
  });

  it('seek lands on the first entry at or after the target, across block boundaries', () => {
    const seed = testSeed(105);
    const rng = new Rng(seed);
    const entries = randomEntries(rng, 800);
    const vfs = new MemVfs();
    buildTable(vfs, 't', entries, { ...SMALL_BLOCKS, blockSizeBytes: 128, restartInterval: 3 });
    const reader = openTable(vfs, 't');
    const it = reader.iterator();
    const targets: Uint8Array[] = [new Uint8Array(0), new Uint8Array([255])];
    for (const e of entries) {
      targets.push(e.key, new Uint8Array([...e.key, 0]));
      if (e.key.length > 0) targets.push(e.key.subarray(0, e.key.length - 1));
    }
    for (const target of targets) {
      it.seek(target);
      const want = entries.find((e) => compareBytes(e.key, target) >= 0);
      if (want === undefined) {
        expect(it.valid(), seedNote(seed)).toBe(false);
        continue;
      }
      expect(it.valid(), seedNote(seed)).toBe(true);
      expect([it.key().slice(), it.seq()], seedNote(seed)).toEqual([want.key, want.seq]);
    }
    // Seeking and then walking on continues in order from the seek point.
    const start = entries[Math.floor(entries.length / 2)]!;
    it.seek(start.key);
    expect(drain(it)).toEqual(entries.filter((e) => compareBytes(e.key, start.key) >= 0));
    it.close();
  });

  it('a sequential scan reads ahead several blocks per file read; a seek reads one block', () => {
    const seed = testSeed(107);
    const entries = randomEntries(new Rng(seed), 3000);
    const vfs = new MemVfs();
    buildTable(vfs, 't', entries, { ...SMALL_BLOCKS, blockSizeBytes: 1024 });
    const file = vfs.openRead('t');
    const reads: number[] = [];
    const counting = { path: 't', size: () => file.size(), read: (o: number, l: number) => (reads.push(l), file.read(o, l)), readInto: (o: number, l: number, target: Uint8Array) => (reads.push(l), file.readInto(o, l, target)), close: () => file.close() };
    const reader = TableReader.open(counting, 7, new BlockCache(0));
    reads.length = 0;
    const it = reader.iterator();
    it.seekToFirst();
    expect(drain(it), seedNote(seed)).toEqual(entries);
    expect(reads.length).toBeLessThan(reader.dataBlocks / 4);
    expect(Math.max(...reads)).toBeGreaterThan(16 * 1024);
    reads.length = 0;
    it.seek(entries[1500]!.key);
    expect(it.valid()).toBe(true);
    expect(reads.length).toBe(1);
    expect(reads[0]).toBeLessThan(2048);
  });

  it('an empty table opens and has no entries', () => {
    const vfs = new MemVfs();
    const meta = buildTable(vfs, 't', []);
    expect(meta.entries).toBe(0);
    const reader = openTable(vfs, 't');
    const it = reader.iterator();
    it.seekToFirst();
    expect(it.valid()).toBe(false);
    expect(reader.get(new Uint8Array([1]), SEQ_MAX)).toBeUndefined();
  });

  it('add refuses entries out of internal order', () => {
    const vfs = new MemVfs();
    const b = new TableBuilder(vfs.create('t'), 1, SMALL_BLOCKS);
    b.add(new Uint8Array([2]), 5, KIND_PUT, new Uint8Array(0));
    expect(() => b.add(new Uint8Array([1]), 9, KIND_PUT, new Uint8Array(0))).toThrow(/assertion/);
    expect(() => b.add(new Uint8Array([2]), 5, KIND_PUT, new Uint8Array(0))).toThrow(/assertion/);
    expect(() => b.add(new Uint8Array([2]), 6, KIND_PUT, new Uint8Array(0))).toThrow(/assertion/);
    b.add(new Uint8Array([2]), 4, KIND_PUT, new Uint8Array(0));
  });
});

describe('TableReader corruption detection', () => {
  const seed = testSeed(106);
  const entries = randomEntries(new Rng(seed), 400);

  /** Builds the table, lets `mutate` change its bytes in place or return new ones, then opens and reads it all. */
  function corruptAndRead(mutate: (bytes: Uint8Array) => Uint8Array | void): unknown {
    const vfs = new MemVfs();
    buildTable(vfs, 'db/000007.sst', entries);
    const bytes = vfs.readFile('db/000007.sst');
    rewrite(vfs, 'db/000007.sst', mutate(bytes) ?? bytes);
    try {
      const reader = openTable(vfs, 'db/000007.sst', new BlockCache(0));
      const it = reader.iterator();
      it.seekToFirst();
      drain(it);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  function expectCorruption(error: unknown, pattern: RegExp): void {
    expect(isLsmError(error), `${String(error)} ${seedNote(seed)}`).toBe(true);
    expect((error as { code: string }).code).toBe('corruption');
    expect((error as Error).message).toMatch(/db\/000007\.sst/);
    expect((error as Error).message).toMatch(/offset \d+/);
    expect((error as Error).message).toMatch(pattern);
  }

  it('a flipped byte in a data block is reported as a checksum mismatch', () => {
    for (const at of [0, 100, 300]) {
      expectCorruption(corruptAndRead((b) => void (b[at]! ^= 0x10)), /data block checksum mismatch/);
    }
  });

  it('a truncated file is reported at open', () => {
    for (const cut of [1, 20, 200]) {
      const error = corruptAndRead((b) => b.slice(0, b.length - cut));
      expectCorruption(error, /magic|footer|outside|checksum|truncated/);
    }
    expectCorruption(corruptAndRead((b) => b.slice(0, 30)), /too short/);
  });

  it('a bad magic number is reported at open', () => {
    expectCorruption(corruptAndRead((b) => void (b[b.length - 1] = 0)), /bad magic/);
  });

  it('an index handle pointing outside the file is reported, even with a valid footer checksum', async () => {
    const { decodeFooter, encodeFooter, FOOTER_BYTES } = await import('./format.js');
    const { crc32c, maskCrc } = await import('../util/crc32c.js');
    const { ByteWriter } = await import('../util/byte-writer.js');
    const crcOf = (d: Uint8Array) => maskCrc(crc32c(d));
    const error = corruptAndRead((b) => {
      const footer = decodeFooter(b.subarray(b.length - FOOTER_BYTES), crcOf);
      if (typeof footer === 'string') throw new Error(footer);
      footer.index.offsetBytes = b.length + 1000;
      const w = new ByteWriter();
      encodeFooter(w, footer, crcOf);
      b.set(w.view(), b.length - FOOTER_BYTES);
    });
    expectCorruption(error, /index block handle .* points outside the file/);
  });

  it('a data block whose lz4 size prefix claims more than its bytes can expand to is corruption, not a 32 MiB allocation (issue 15)', async () => {
    const { decodeFooter, FOOTER_BYTES } = await import('./format.js');
    const { crc32c, maskCrc } = await import('../util/crc32c.js');
    const vfs = new MemVfs();
    const repetitive: Entry[] = Array.from({ length: 20 }, (_, i) => ({ key: new Uint8Array([i]), seq: 1, kind: KIND_PUT, value: new Uint8Array(300).fill(65) }));
    buildTable(vfs, 'db/000007.sst', repetitive, { ...SMALL_BLOCKS, blockSizeBytes: 1 << 20 });
    const b = vfs.readFile('db/000007.sst');
    const footer = decodeFooter(b.subarray(b.length - FOOTER_BYTES), (d) => maskCrc(crc32c(d)));
    if (typeof footer === 'string') throw new Error(footer);
    // One data block at offset 0, stored lz4 (type 1), its trailer right before the filter block.
    const size = footer.filter.offsetBytes - 5;
    expect(b[size]).toBe(1);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    view.setUint32(0, 32 * 1024 * 1024, true);
    view.setUint32(size + 1, maskCrc(crc32c(b, 0, 0, size + 1)), true);
    rewrite(vfs, 'db/000007.sst', b);
    const it = openTable(vfs, 'db/000007.sst', new BlockCache(0)).iterator();
    let error: unknown;
    try {
      it.seekToFirst();
    } catch (e) {
      error = e;
    }
    expect(isLsmError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/bad lz4 header/);
  });

  it('a flipped byte in the footer is reported at open', () => {
    expectCorruption(corruptAndRead((b) => void (b[b.length - 20]! ^= 1)), /footer checksum mismatch/);
  });
});
