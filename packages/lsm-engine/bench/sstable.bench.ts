/**
 * Hot paths of the table layer in isolation (no engine, in-memory file):
 * building a table, point lookups that hit, lookups the bloom filter rejects,
 * and a full scan. 100,000 entries of 16-byte keys and 100-byte values.
 *
 * Run: pnpm --filter @ringkv/lsm-engine bench sstable
 */
import { bench, describe } from 'vitest';
import { Rng } from '@ringkv/sim';
import { BlockCache, TableBuilder, TableReader, type TableBuildOptions } from '../src/sstable/index.js';
import { KIND_PUT, SEQ_MAX } from '../src/format/internal.js';
import type { VfsAppendFile, VfsReadFile } from '../src/vfs/vfs.js';

const N = 100_000;
const OPTIONS: TableBuildOptions = { blockSizeBytes: 4096, restartInterval: 16, bloomBitsPerKey: 10, compression: 'lz4' };
const enc = new TextEncoder();
const rng = new Rng(7);
const keys = Array.from({ length: N }, (_, i) => enc.encode(String(i).padStart(16, '0')));
const missing = Array.from({ length: N }, (_, i) => enc.encode(`${String(i).padStart(16, '0')}.`));
const values = Array.from({ length: 256 }, () => {
  const v = new Uint8Array(100);
  v.set(rng.bytes(50));
  return v;
});
const order = Array.from({ length: N }, () => rng.int(N));

function build(): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const file: VfsAppendFile = {
    path: 'bench.sst',
    size: () => size,
    append: (d) => {
      chunks.push(d.slice());
      size += d.length;
    },
    sync: async () => {},
    close: () => {},
  };
  const b = new TableBuilder(file, 1, OPTIONS);
  for (let i = 0; i < N; i++) b.add(keys[i] as Uint8Array, i + 1, KIND_PUT, values[i & 255] as Uint8Array);
  b.finish();
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const image = build();
const file: VfsReadFile = { path: 'bench.sst', size: () => image.length, read: (o, l) => image.slice(o, o + l),
  readInto: (o, l, target) => {
    const part = image.subarray(o, Math.min(image.length, o + l));
    target.set(part);
    return part.length;
  },
  close: () => {},
};
const reader = TableReader.open(file, 1, new BlockCache(64 << 20));
let cursor = 0;

describe('sstable', () => {
  bench('build 100k entries', () => {
    build();
  }, { iterations: 5 });
  bench('get (hit, cached blocks)', () => {
    for (let i = 0; i < 1000; i++) reader.get(keys[order[cursor++ % N] as number] as Uint8Array, SEQ_MAX);
  });
  bench('get (absent key, bloom rejects ~99%)', () => {
    for (let i = 0; i < 1000; i++) reader.get(missing[order[cursor++ % N] as number] as Uint8Array, SEQ_MAX);
  });
  bench('full scan 100k entries', () => {
    const it = reader.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) it.value();
    it.close();
  }, { iterations: 5 });
});
