import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { KIND_DELETE, KIND_PUT, type EntryKind } from '../format/internal.js';
import { LsmError } from '../errors.js';
import { EntryChunkWriter, forEachEntry, type EntryChunk } from './entry-chunks.js';
import { fromWire, toWire } from './table-worker-protocol.js';

type Entry = [string, number, EntryKind, string];
const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');

describe('entry chunks (a flush handed to the table worker)', () => {
  it('give back every entry in order, whole, with chunks cut near their size and an oversized entry in a chunk of its own', () => {
    const seed = testSeed(4401);
    const rng = new Rng(seed);
    const chunkBytes = 1024;
    const w = new EntryChunkWriter(chunkBytes);
    const sent: Entry[] = [];
    const chunks: EntryChunk[] = [];
    for (let i = 0; i < 500; i++) {
      const key = rng.bytes(1 + rng.int(40));
      const kind = rng.int(4) === 0 ? KIND_DELETE : KIND_PUT;
      const value = kind === KIND_DELETE ? new Uint8Array(0) : rng.bytes(i === 250 ? 5000 : rng.int(200));
      const seq = 2 ** 40 + i;
      sent.push([hex(key), seq, kind, hex(value)]);
      const c = w.add(key, seq, kind, value);
      if (c) chunks.push(c);
    }
    const last = w.take();
    if (last) chunks.push(last);
    expect(w.take(), seedNote(seed)).toBeUndefined();
    const got: Entry[] = [];
    for (const c of chunks) {
      let n = 0;
      forEachEntry(c.bytes, (key, seq, kind, value) => {
        got.push([hex(key), seq, kind, hex(value)]);
        n++;
      });
      expect(n).toBe(c.entries);
      // Invariant 2: only the chunk holding the 5000-byte value is over the size.
      if (c.bytes.byteLength > chunkBytes) expect(c.entries).toBe(1);
    }
    expect(got, seedNote(seed)).toEqual(sent);
  });
});

describe('errors across the worker boundary', () => {
  it('an LsmError keeps its code and message; anything else becomes a plain Error', () => {
    const e = fromWire(toWire(new LsmError('no-space', 'append db/000007.sst: ENOSPC')));
    expect(e).toBeInstanceOf(LsmError);
    expect(e).toMatchObject({ code: 'no-space', message: 'lsm-engine: append db/000007.sst: ENOSPC' });
    const bug = fromWire(toWire(new Error('lsm-engine: assertion failed: x')));
    expect(bug).not.toBeInstanceOf(LsmError);
    expect(bug.message).toBe('lsm-engine: assertion failed: x');
  });
});
