import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { ByteWriter } from './byte-writer.js';
import { getU32, getU64, getVarint } from './varint.js';

describe('varint and fixed-width encodings', () => {
  it('round-trip every size class of safe integers', () => {
    const seed = testSeed(77);
    const rng = new Rng(seed);
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 500; i++) values.push(Math.floor(rng.next() * 2 ** rng.int(53)));
    const w = new ByteWriter(4);
    for (const v of values) w.putVarint(v);
    const data = w.copy();
    const cur = { pos: 0 };
    for (const v of values) expect(getVarint(data, cur, data.length), seedNote(seed)).toBe(v);
    expect(cur.pos).toBe(data.length);
  });

  it('encodes the largest sequence number in at most 8 bytes', () => {
    const w = new ByteWriter();
    w.putVarint(Number.MAX_SAFE_INTEGER);
    expect(w.length).toBeLessThanOrEqual(8);
  });

  it('reports a varint that runs past the end as malformed', () => {
    const w = new ByteWriter();
    w.putVarint(300);
    const data = w.copy();
    expect(getVarint(data, { pos: 0 }, 1)).toBe(-1);
    expect(getVarint(new Uint8Array(9).fill(0xff), { pos: 0 }, 9)).toBe(-1);
  });

  it('round-trips 32- and 64-bit little-endian integers', () => {
    const w = new ByteWriter();
    w.putU32(0xdeadbeef);
    w.putU64(2 ** 52 + 12345);
    const data = w.view();
    expect(getU32(data, 0)).toBe(0xdeadbeef);
    expect(getU64(data, 4)).toBe(2 ** 52 + 12345);
    expect([...data.subarray(0, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
  });
});
