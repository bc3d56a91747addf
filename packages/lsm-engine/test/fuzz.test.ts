/**
 * Seeded fuzzing of every decoder that reads bytes from disk (issue 16): the
 * commit log reader and its batch payloads, SSTable files, blocks, footers and
 * properties, the manifest and the sync marks. Each target gets mutated valid
 * inputs and random bytes (`FUZZ_INPUTS`, default 10⁵; `pnpm fuzz` runs 10⁶)
 * and may only succeed or throw `LsmError('corruption')`: never another
 * error, a hang (the test timeout) or unbounded memory. Where a checksum
 * would stop most mutations at the door, half of them are resealed (the
 * checksum recomputed) so they reach the structure behind it. Replay with
 * SEED=<n>.
 */
import { describe, expect, it } from 'vitest';
import { fuzzInputs, Rng, runFuzz, testSeed, type FuzzReport } from '@ringkv/sim';
import { isLsmError } from '../src/errors.js';
import { KIND_DELETE, KIND_PUT, type EntryKind } from '../src/format/internal.js';
import { encodeManifest, decodeManifest, MANIFEST_HEADER_BYTES, type ManifestState } from '../src/manifest/manifest.js';
import { Block, BlockBuilder } from '../src/sstable/block.js';
import { BlockCache } from '../src/sstable/block-cache.js';
import { decodeFooter, FOOTER_BYTES } from '../src/sstable/format.js';
import { decodeProperties, encodeProperties } from '../src/sstable/properties.js';
import { TableBuilder } from '../src/sstable/table-builder.js';
import { TableReader } from '../src/sstable/table-reader.js';
import { ByteWriter } from '../src/util/byte-writer.js';
import { crc32c, maskCrc } from '../src/util/crc32c.js';
import { decodeBatch, encodeBatch, type BatchOp } from '../src/wal/batch.js';
import { BLOCK_BYTES, HEADER_BYTES } from '../src/wal/format.js';
import { readLog } from '../src/wal/log-reader.js';
import { LogWriter } from '../src/wal/log-writer.js';
import { decodeSyncMark, SyncMarker, syncMarkFileName } from '../src/wal/sync-mark.js';
import { MemVfs } from '../src/vfs/mem-vfs.js';

const corruptionOnly = (error: unknown): boolean => isLsmError(error) && error.code === 'corruption';

/** Sorted distinct keys with 1–2 versions each, some tombstones. */
function entries(rng: Rng, keys: number): { key: Uint8Array; seq: number; kind: EntryKind; value: Uint8Array }[] {
  const out = [];
  let seq = 1;
  for (let i = 0; i < keys; i++) {
    const key = new TextEncoder().encode(`key-${String(i).padStart(5, '0')}-${rng.int(1000)}`);
    const versions = 1 + rng.int(2);
    const made = [];
    for (let v = 0; v < versions; v++) {
      const kind: EntryKind = rng.chance(0.2) ? KIND_DELETE : KIND_PUT;
      made.push({ key, seq: seq++, kind, value: kind === KIND_PUT ? rng.bytes(rng.int(48)) : new Uint8Array(0) });
    }
    out.push(...made.reverse()); // newest version first within a key
  }
  return out;
}

function batchPayload(rng: Rng, ops: number): Uint8Array {
  const list: BatchOp[] = entries(rng, ops).map((e) => ({ kind: e.kind, key: e.key, value: e.value }));
  const out = new ByteWriter();
  encodeBatch(out, 1 + rng.int(1_000_000), list);
  return out.copy();
}

function logSegment(rng: Rng, records: number): Uint8Array {
  const vfs = new MemVfs();
  const writer = new LogWriter(vfs.create('d/x.log'));
  for (let i = 0; i < records; i++) writer.addRecord(batchPayload(rng, 1 + rng.int(6)));
  return vfs.readFile('d/x.log');
}

/** Recomputes the checksum of every fragment whose header and length still fit its block. */
function resealLog(data: Uint8Array): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (pos + HEADER_BYTES <= data.length) {
    const left = BLOCK_BYTES - (pos % BLOCK_BYTES);
    if (left < HEADER_BYTES) {
      pos += left;
      continue;
    }
    const length = (data[pos + 4] as number) | ((data[pos + 5] as number) << 8);
    const start = pos + HEADER_BYTES;
    if (HEADER_BYTES + length > left || start + length > data.length) break;
    view.setUint32(pos, maskCrc(crc32c(data, crc32c(data, 0, pos + 6, pos + 7), start, start + length)), true);
    pos = start + length;
  }
  return data;
}

function decodeLog(data: Uint8Array): void {
  const onRecord = (payload: Uint8Array): void => void decodeBatch(payload, 'x.log', () => {});
  // The newest segment with nothing synced (a tail may be torn) and an older, fully synced one.
  readLog(data, 'x.log', { syncedBytes: 0, salvage: false }, onRecord);
  readLog(data, 'x.log', { syncedBytes: data.length, salvage: true }, onRecord);
}

function table(rng: Rng, keys: number, compression: 'lz4' | 'none'): Uint8Array {
  const vfs = new MemVfs();
  const builder = new TableBuilder(vfs.create('t.sst'), 7, { blockSizeBytes: 256, restartInterval: 4, bloomBitsPerKey: 10, compression });
  for (const e of entries(rng, keys)) builder.add(e.key, e.seq, e.kind, e.value);
  builder.finish();
  return vfs.readFile('t.sst');
}

/** Opens the bytes as a table and reads all of it: a full scan and a point lookup of every key seen. */
function decodeTable(data: Uint8Array): void {
  const vfs = new MemVfs();
  const file = vfs.create('t.sst');
  file.append(data);
  file.close();
  const reader = TableReader.open(vfs.openRead('t.sst'), 7, new BlockCache(64 * 1024));
  try {
    const keys: Uint8Array[] = [];
    const it = reader.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) keys.push(it.key().slice());
    it.close();
    for (const key of keys) reader.get(key, Number.MAX_SAFE_INTEGER);
  } finally {
    reader.close();
  }
}

function block(rng: Rng, keys: number): Uint8Array {
  const builder = new BlockBuilder(4);
  for (const e of entries(rng, keys)) builder.add(e.key, e.seq, e.kind, e.value);
  return builder.finish().slice();
}

function decodeBlock(data: Uint8Array): void {
  const it = new Block(data, 'fuzz block').iterator();
  const keys: Uint8Array[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) keys.push(it.key().slice());
  for (const key of keys) it.seek(key, Number.MAX_SAFE_INTEGER);
}

function manifest(rng: Rng, tables: number): Uint8Array {
  const meta = () => {
    const e = entries(rng, 2);
    return {
      fileNumber: 1 + rng.int(500),
      sizeBytes: rng.int(1 << 20),
      entries: rng.int(10_000),
      tombstones: rng.int(100),
      smallestSeq: rng.int(1000),
      largestSeq: 1000 + rng.int(1000),
      smallestKey: (e[0] as { key: Uint8Array }).key,
      largestKey: (e[e.length - 1] as { key: Uint8Array }).key,
    };
  };
  const state: ManifestState = {
    nextFileNumber: 600,
    lastSeq: 123_456,
    logNumber: 17,
    checkpoints: [{ seq: 100, timeMs: 1_700_000_000_000 }],
    levels: [Array.from({ length: tables }, meta), Array.from({ length: tables }, meta)],
  };
  return encodeManifest(state);
}

/** Rewrites the manifest header's length and checksum for whatever payload follows it. */
function resealManifest(data: Uint8Array): Uint8Array {
  if (data.length < MANIFEST_HEADER_BYTES) return data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const payload = data.subarray(MANIFEST_HEADER_BYTES);
  view.setUint32(12, payload.length, true);
  view.setUint32(16, maskCrc(crc32c(payload)), true);
  return data;
}

async function syncMark(sizes: number[]): Promise<Uint8Array> {
  const vfs = new MemVfs();
  vfs.mkdirp('d');
  const marker = new SyncMarker(vfs, 'd', 1);
  for (const size of sizes) await marker.advance(size);
  return vfs.readFile(`d/${syncMarkFileName(1)}`);
}

function expectBothKinds(report: FuzzReport): void {
  expect(report.accepted + report.refused).toBe(report.inputs);
  expect(report.refused).toBeGreaterThan(0);
}

describe('fuzzing the on-disk decoders (issue 16)', () => {
  const seed = testSeed(1616);
  const timeout = Math.max(120_000, fuzzInputs() * 3);

  it('the commit log reader and its batches refuse damage only with corruption', { timeout }, () => {
    const rng = new Rng(seed);
    const corpus = [logSegment(rng, 3), logSegment(rng, 12), logSegment(rng, 1)];
    expectBothKinds(runFuzz({ name: 'wal segment', seed, corpus, decode: decodeLog, expected: corruptionOnly, reseal: resealLog }));
  });

  it('a batch payload behind a good checksum decodes or is corruption', { timeout }, () => {
    const rng = new Rng(seed + 1);
    const corpus = [batchPayload(rng, 1), batchPayload(rng, 5), batchPayload(rng, 20)];
    const decode = (p: Uint8Array): void => void decodeBatch(p, 'x.log', () => {});
    expectBothKinds(runFuzz({ name: 'wal batch', seed, corpus, decode, expected: corruptionOnly }));
  });

  it('a damaged SSTable is corruption when opened, scanned or read', { timeout }, () => {
    const rng = new Rng(seed + 2);
    const corpus = [table(rng, 40, 'lz4'), table(rng, 25, 'none'), table(rng, 3, 'lz4')];
    expectBothKinds(runFuzz({ name: 'sstable', seed, corpus, decode: decodeTable, expected: corruptionOnly }));
  });

  it('a block, footer and properties behind a good checksum decode or are corruption', { timeout }, () => {
    const rng = new Rng(seed + 3);
    expectBothKinds(
      runFuzz({ name: 'sstable block', seed, corpus: [block(rng, 20), block(rng, 3)], decode: decodeBlock, expected: corruptionOnly }),
    );
    const sst = table(rng, 10, 'none');
    const footer = sst.slice(sst.length - FOOTER_BYTES);
    // Any footer checksum is accepted here, so the edits reach the handles and the magic.
    const crcAt = FOOTER_BYTES - 12; // the stored checksum, then the 8-byte magic
    const storedCrc = (d: Uint8Array) => (): number => (d.length >= crcAt + 4 ? new DataView(d.buffer, d.byteOffset).getUint32(crcAt, true) : 0);
    const strings = (decoded: unknown): void => {
      if (typeof decoded === 'string') throw new Error(`refused: ${decoded}`);
    };
    const refusedAsString = (e: unknown): boolean => e instanceof Error && e.message.startsWith('refused: ');
    runFuzz({ name: 'sstable footer', seed, corpus: [footer], decode: (d) => strings(decodeFooter(d, storedCrc(d))), expected: refusedAsString });
    const props = encodeProperties({
      fileNumber: 7,
      entries: 10,
      tombstones: 2,
      smallestSeq: 1,
      largestSeq: 10,
      dataBlocks: 3,
      rawKeyBytes: 80,
      rawValueBytes: 400,
      smallestKey: new Uint8Array([1, 2]),
      largestKey: new Uint8Array([9, 9, 9]),
    });
    runFuzz({ name: 'sstable properties', seed, corpus: [props], decode: (d) => strings(decodeProperties(d)), expected: refusedAsString });
  });

  it('a damaged manifest is corruption', { timeout }, () => {
    const rng = new Rng(seed + 4);
    const corpus = [manifest(rng, 1), manifest(rng, 6)];
    const decode = (d: Uint8Array): void => void decodeManifest(d, 'MANIFEST-000001');
    expectBothKinds(runFuzz({ name: 'manifest', seed, corpus, decode, expected: corruptionOnly, reseal: resealManifest }));
  });

  it('a damaged sync mark reads as some recorded size or none, never an error', { timeout }, async () => {
    const corpus = [await syncMark([4096]), await syncMark([4096, 65_536, 1 << 20])];
    const report = runFuzz({ name: 'sync mark', seed, corpus, decode: (d) => void decodeSyncMark(d), expected: () => false });
    expect(report.accepted).toBe(report.inputs);
  });
});
