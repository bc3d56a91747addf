import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { KIND_DELETE, KIND_PUT } from '../format/internal.js';
import { isLsmError } from '../errors.js';
import { FaultVfs } from '../vfs/fault-vfs.js';
import { MemVfs } from '../vfs/mem-vfs.js';
import { decodeBatch, type BatchOp } from './batch.js';
import { CommitLog } from './commit-log.js';
import { BLOCK_BYTES, logFileName } from './format.js';
import { readLog } from './log-reader.js';
import { LogWriter } from './log-writer.js';

function writeRecords(sizes: number[], rng: Rng): { data: Uint8Array; payloads: Uint8Array[]; ends: number[] } {
  const vfs = new MemVfs();
  const w = new LogWriter(vfs.create('d/x.log'));
  const payloads: Uint8Array[] = [];
  const ends: number[] = [];
  for (const n of sizes) {
    const p = rng.bytes(n);
    payloads.push(p);
    ends.push(w.addRecord(p));
  }
  return { data: vfs.readFile('d/x.log'), payloads, ends };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function readAll(data: Uint8Array, isLast = true): { payloads: Uint8Array[]; dropped: number } {
  const payloads: Uint8Array[] = [];
  const mode = { syncedBytes: isLast ? 0 : data.length, salvage: false };
  const r = readLog(data, 'x.log', mode, (p) => payloads.push(p.slice()));
  return { payloads, dropped: r.droppedBytes };
}

describe('commit log format', () => {
  it('round-trips records of every size class, including ones spanning several blocks', () => {
    const seed = testSeed(11);
    const rng = new Rng(seed);
    const sizes = [0, 1, 100, BLOCK_BYTES - 7, BLOCK_BYTES - 8, BLOCK_BYTES, 3 * BLOCK_BYTES + 5, 20];
    for (let i = 0; i < 200; i++) sizes.push(rng.between(0, 3000));
    const { data, payloads } = writeRecords(sizes, rng);
    const out = readAll(data, false);
    expect(out.payloads.length, seedNote(seed)).toBe(payloads.length);
    expect(out.payloads.every((p, i) => same(p, payloads[i] as Uint8Array)), seedNote(seed)).toBe(true);
  });

  it('truncation at every byte offset of the last records keeps exactly the intact prefix', () => {
    const seed = testSeed(12);
    const rng = new Rng(seed);
    // The third record crosses a block boundary, so FIRST/LAST fragments are cut too.
    const sizes = [BLOCK_BYTES - 600, 300, 3000, 30, 90];
    const { data, payloads, ends } = writeRecords(sizes, rng);
    const from = ends[0] as number;
    for (let cut = from; cut <= data.length; cut++) {
      const out = readAll(data.subarray(0, cut));
      const intact = ends.filter((e) => e <= cut).length;
      expect(out.payloads.length, `cut ${cut} ${seedNote(seed)}`).toBe(intact);
      expect(out.payloads.every((p, i) => same(p, payloads[i] as Uint8Array)), `cut ${cut}`).toBe(true);
      const kept = intact === 0 ? 0 : (ends[intact - 1] as number);
      // Block padding after the last intact record is not a record, so it may count either way.
      expect(out.dropped, `cut ${cut}`).toBeLessThanOrEqual(cut - kept);
    }
  });

  it('reports a flipped bit in the middle of the log as corruption, in the last segment too', () => {
    const seed = testSeed(13);
    const rng = new Rng(seed);
    const { data, ends } = writeRecords([100, 100, 100, 100], rng);
    for (const at of [10, (ends[1] as number) + 3, (ends[1] as number) + 7 + 50]) {
      const copy = data.slice();
      copy[at] = (copy[at] as number) ^ 0x04;
      let err: unknown;
      try {
        readAll(copy, true);
      } catch (e) {
        err = e;
      }
      expect(isLsmError(err) && err.code, `offset ${at}`).toBe('corruption');
    }
  });

  it('treats a torn tail in a segment that is not the newest as corruption', () => {
    const { data } = writeRecords([100, 100], new Rng(5));
    expect(() => readAll(data.subarray(0, data.length - 3), false)).toThrow(expect.objectContaining({ code: 'corruption' }));
  });
});

describe('CommitLog', () => {
  const op = (key: number): BatchOp => ({ kind: KIND_PUT, key: new Uint8Array([key]), value: new Uint8Array([key, key]) });

  it('encodes batches that decode to the same ops and sequence numbers', async () => {
    const vfs = new MemVfs();
    const log = await CommitLog.create(vfs, 'd', 1);
    log.append(7, [op(1), { kind: KIND_DELETE, key: new Uint8Array([2]), value: new Uint8Array(0) }]);
    const seen: [number, number, number][] = [];
    readLog(vfs.readFile(`d/${logFileName(1)}`), 'l', { syncedBytes: 0, salvage: false }, (p) =>
      decodeBatch(p, 'l', (seq, kind, key) => seen.push([seq, kind, key[0] as number])),
    );
    expect(seen).toEqual([
      [7, KIND_PUT, 1],
      [8, KIND_DELETE, 2],
    ]);
  });

  it('group commit: 64 concurrent sync requests share a few fsyncs', async () => {
    const vfs = new MemVfs();
    const log = await CommitLog.create(vfs, 'd', 1);
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) {
      log.append(i + 1, [op(i)]);
      waits.push(log.sync());
    }
    await Promise.all(waits);
    expect(log.syncs).toBeLessThanOrEqual(2);
    expect(log.dirty).toBe(false);
  });

  it('a write appended during an fsync waits for the next one', async () => {
    const vfs = new FaultVfs();
    const log = await CommitLog.create(vfs, 'd', 1);
    log.append(1, [op(1)]);
    const first = log.sync();
    log.append(2, [op(2)]);
    const second = log.sync();
    await first;
    expect(log.syncs).toBe(1);
    await second;
    expect(log.syncs).toBe(2);
  });

  it('after a failed fsync every later sync rejects', async () => {
    const vfs = new FaultVfs();
    const log = await CommitLog.create(vfs, 'd', 1);
    log.append(1, [op(1)]);
    vfs.failSyncs('next');
    await expect(log.sync()).rejects.toMatchObject({ code: 'io' });
    log.append(2, [op(2)]);
    await expect(log.sync()).rejects.toMatchObject({ code: 'io' });
  });
});
