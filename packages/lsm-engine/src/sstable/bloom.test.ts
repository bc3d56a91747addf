import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { BloomBuilder, bloomMayContain, bloomProbes } from './bloom.js';
import { hash32 } from './hash.js';

function keyOf(prefix: number, i: number): Uint8Array {
  // 16-byte keys like the benchmark's: a prefix byte, then the index in decimal.
  return new TextEncoder().encode(`${prefix}${String(i).padStart(15, '0')}`);
}

describe('bloom filter', () => {
  it('has no false negatives', () => {
    const seed = testSeed(201);
    const rng = new Rng(seed);
    const b = new BloomBuilder(10);
    const keys = Array.from({ length: 20_000 }, () => rng.bytes(1 + rng.int(30)));
    for (const k of keys) b.addKey(k);
    const filter = b.finish();
    for (const k of keys) expect(bloomMayContain(filter, k), seedNote(seed)).toBe(true);
  });

  it('has a false-positive rate near 1% at 10 bits per key over 100k absent keys', () => {
    const b = new BloomBuilder(10);
    for (let i = 0; i < 100_000; i++) b.addKey(keyOf(1, i));
    const filter = b.finish();
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (bloomMayContain(filter, keyOf(2, i))) falsePositives++;
    const rate = falsePositives / 100_000;
    // Theory for 10 bits and 7 probes: 0.82%.
    expect(rate).toBeGreaterThan(0.005);
    expect(rate).toBeLessThan(0.015);
  });

  it('uses round(bits per key * ln 2) probes', () => {
    expect(bloomProbes(10)).toBe(7);
    expect(bloomProbes(1)).toBe(1);
    expect(bloomProbes(100)).toBe(30);
  });

  it('a filter with 0 bits per key or an unknown probe count matches everything', () => {
    const b = new BloomBuilder(0);
    b.addKey(new Uint8Array([1]));
    expect(bloomMayContain(b.finish(), new Uint8Array([2]))).toBe(true);
    const odd = new Uint8Array(9);
    odd[8] = 31;
    expect(bloomMayContain(odd, new Uint8Array([2]))).toBe(true);
  });

  it('hash32 is pinned: filters written by earlier releases stay valid', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect([hash32(enc('')), hash32(enc('a')), hash32(enc('abcd')), hash32(enc('hello, ringkv!'))]).toMatchSnapshot();
  });
});
