import { positionMax, positionToBytes, rangeContains, type RingRange } from '@ringkv/hashring';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../../test/support/memory-engine.js';
import { countRange, scanChunk } from './ranges.js';

const seed = testSeed(0x7a9e);

/** An engine holding one data key per position (value: `bytes` bytes), plus a hint and a meta key that no range may return. */
function engineWith(positions: readonly bigint[], bytes = 10): MemoryEngine {
  const data = new Map<string, Uint8Array>();
  positions.forEach((p, i) => {
    const key = new Uint8Array(9 + 4);
    key[0] = 0x64;
    positionToBytes(p, key, 1);
    key.set([0, 0, (i >> 8) & 0xff, i & 0xff], 9);
    data.set(Buffer.from(key).toString('latin1'), new Uint8Array(bytes).fill(i & 0xff));
  });
  data.set('h-not-data', new Uint8Array(3));
  data.set('m-not-data', new Uint8Array(3));
  return new MemoryEngine('ranges-test', data);
}

function positionsOf(entries: readonly { skey: Uint8Array }[]): bigint[] {
  return entries.map((e) => Buffer.from(e.skey.subarray(1, 9)).readBigUInt64BE());
}

function scanAll(engine: MemoryEngine, range: RingRange, bytesMax: number): { positions: bigint[]; chunks: number[] } {
  const positions: bigint[] = [];
  const chunks: number[] = [];
  let after: Uint8Array | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const chunk = scanChunk(engine, range, after, bytesMax);
    positions.push(...positionsOf(chunk.entries));
    chunks.push(chunk.bytes);
    after = chunk.more;
    if (after === undefined) return { positions, chunks };
  }
  throw new Error('scan did not end');
}

describe('range scans', () => {
  const rng = new Rng(seed);
  const edge = [0n, 1n, positionMax - 1n, positionMax, 1n << 63n, (1n << 63n) + 1n];
  const positions = [...edge, ...Array.from({ length: 300 }, () => BigInt.asUintN(64, (BigInt(rng.int(2 ** 31)) << 33n) ^ BigInt(rng.int(2 ** 31))))];
  const engine = engineWith(positions);
  const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const ranges: [string, RingRange][] = [
    ['a plain range', { start: 1n << 62n, end: 3n << 62n }],
    ['a range wrapping through 0', { start: 3n << 62n, end: 1n << 61n }],
    ['a wrapping range starting at the last position', { start: positionMax, end: 1n << 62n }],
    ['a range ending at the last position', { start: 1n << 63n, end: positionMax }],
    ['the whole ring (start = end)', { start: 5n, end: 5n }],
  ];

  for (const [what, range] of ranges) {
    it(`returns exactly the keys of ${what}, high segment first when it wraps, in chunks resumed by cursor`, () => {
      const want = positions.filter((p) => rangeContains(range, p));
      const { positions: got, chunks } = scanAll(engine, range, 35);
      const wraps = range.start > range.end;
      const expected = wraps ? [...sorted(want.filter((p) => p > range.start)), ...sorted(want.filter((p) => p <= range.end))] : sorted(want);
      expect(got, seedNote(seed)).toEqual(expected);
      // Chunks reach the bound (three 13-byte entries for 35 bytes) except the last one.
      expect(chunks.slice(0, -1).every((b) => b >= 35 && b < 35 + 13), seedNote(seed)).toBe(true);
      expect(countRange(engine, range)).toEqual({ keys: want.length, bytes: want.length * 14 });
    });
  }

  it('never returns a key at the start position (the range is half-open)', () => {
    const range = { start: 1n << 63n, end: (1n << 63n) + 1n };
    expect(positionsOf(scanChunk(engine, range, undefined, 1 << 20).entries)).toEqual([(1n << 63n) + 1n]);
  });

  it('starts over when the cursor lies outside the range (a ring that moved under a resumed stream)', () => {
    const range = { start: 1n << 62n, end: 3n << 62n };
    const outside = new Uint8Array(9);
    outside[0] = 0x64;
    positionToBytes(positionMax, outside, 1);
    expect(scanChunk(engine, range, outside, 1 << 20).entries.length).toBe(countRange(engine, range).keys);
  });
});
