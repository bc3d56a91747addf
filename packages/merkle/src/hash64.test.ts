import { describe, expect, it } from 'vitest';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { hashBytes64, hashWords64 } from './hash64.js';

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array, seed: number): string {
  const out = new Uint32Array(2);
  hashBytes64(bytes, bytes.length, seed, out);
  return out[0]!.toString(16).padStart(8, '0') + out[1]!.toString(16).padStart(8, '0');
}

describe('hashBytes64', () => {
  // Expected values: the first two output words of the reference C
  // MurmurHash3_x86_128 (smhasher), compiled and run on these inputs.
  it('matches the reference MurmurHash3_x86_128 on text inputs', () => {
    expect(hex(utf8.encode(''), 0)).toBe('0000000000000000');
    expect(hex(utf8.encode('a'), 0)).toBe('a794933c5556b01b');
    expect(hex(utf8.encode('abc'), 0)).toBe('75cdc6d1a2b006a5');
    expect(hex(utf8.encode('The quick brown fox jumps over the lazy dog'), 0)).toBe('2f1583c3ecee2c67');
    expect(hex(utf8.encode('0123456789abcdef'), 1)).toBe('7e461b4e18cc75b9');
    expect(hex(utf8.encode('0123456789abcdefX'), 1)).toBe('411a533f652f9918');
    expect(hex(utf8.encode('ringkv'), 0x9747b28c)).toBe('8d77ba2c9aaccc9c');
  });

  it('matches the reference for every tail length ', () => {
    // Bytes 0..n-1 with seed 42: every one of the 16 tail cases, and inputs of
    // one and two full blocks plus a tail.
    const expected: Record<number, string> = {
      0: 'af6d2cb695c80cba',
      1: '9b2e679669f7b951',
      2: 'ef24826a5e7c34aa',
      3: '5b4a0b9601c97b67',
      4: '6bf547ee65ae6a4e',
      5: 'a8ffe92bdf8edffd',
      6: 'ebbb55fab07970ba',
      7: 'bcdb351735b43efd',
      8: 'c81c938a526c99b7',
      9: 'a97a10081a65a415',
      10: 'e00733aebd6500ab',
      11: '13dbf888cc9ac335',
      12: 'aa9bd3c9a88a3398',
      13: '63c60d32fab19ff8',
      14: 'fed29d708e857134',
      15: 'd596aa0a9aeb1fa1',
      16: '5fadebc172e3926e',
      17: 'c392e19a5a54a37c',
      31: '2a0301fb724814a3',
      40: 'fc1c2b85a6561ea7',
    };
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
    for (const [length, want] of Object.entries(expected)) {
      expect(hex(bytes.subarray(0, Number(length)), 42), `length ${length}`).toBe(want);
    }
  });

  it('hashes only the prefix it is told to, so a scratch buffer can be reused', () => {
    const scratch = utf8.encode('abcXXXXXXXX');
    const out = new Uint32Array(2);
    hashBytes64(scratch, 3, 0, out);
    expect(Array.from(out)).toEqual([0x75cdc6d1, 0xa2b006a5]);
  });

  it('flips about half of the output bits when one input bit flips', () => {
    const seed = testSeed(2024);
    const rng = new Rng(seed);
    const out = new Uint32Array(2);
    let flipped = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const bytes = Uint8Array.from({ length: 1 + rng.int(40) }, () => rng.int(256));
      hashBytes64(bytes, bytes.length, 7, out);
      const a0 = out[0]!;
      const a1 = out[1]!;
      const bit = rng.int(bytes.length * 8);
      bytes[bit >>> 3]! ^= 1 << (bit & 7);
      hashBytes64(bytes, bytes.length, 7, out);
      flipped += popcount(a0 ^ out[0]!) + popcount(a1 ^ out[1]!);
    }
    const mean = flipped / trials;
    expect(mean, seedNote(seed)).toBeGreaterThan(31);
    expect(mean, seedNote(seed)).toBeLessThan(33);
  });
});

describe('hashWords64', () => {
  it('equals hashBytes64 of the words as 16 little-endian bytes', () => {
    const seed = testSeed(77);
    const rng = new Rng(seed);
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    for (let t = 0; t < 200; t++) {
      const words = Uint32Array.from({ length: 4 }, () => rng.nextUint32());
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      words.forEach((w, i) => view.setUint32(i * 4, w, true));
      const hashSeed = rng.nextUint32();
      hashWords64(words[0]!, words[1]!, words[2]!, words[3]!, hashSeed, a);
      hashBytes64(bytes, 16, hashSeed, b);
      expect(Array.from(a), seedNote(seed)).toEqual(Array.from(b));
    }
  });
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
