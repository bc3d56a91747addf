import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { xxh64Bytes, xxh64String } from './xxhash64.js';

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

/** XXH64 (seed 0) transcribed from the specification with bigint: slow, obviously correct. */
function referenceXxh64(b: Uint8Array): bigint {
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
  const lane64 = (i: number): bigint => {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k] as number);
    return v;
  };
  const lane32 = (i: number): bigint => {
    let v = 0n;
    for (let k = 3; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k] as number);
    return v;
  };
  const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
  const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) + P4) & M64;
  let i = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (P1 + P2) & M64, v2 = P2, v3 = 0n, v4 = (-P1) & M64;
    for (; i + 32 <= b.length; i += 32) {
      v1 = round(v1, lane64(i));
      v2 = round(v2, lane64(i + 8));
      v3 = round(v3, lane64(i + 16));
      v4 = round(v4, lane64(i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(b.length)) & M64;
  for (; i + 8 <= b.length; i += 8) h = ((rotl(h ^ round(0n, lane64(i)), 27n) * P1) + P4) & M64;
  if (i + 4 <= b.length) {
    h = ((rotl(h ^ ((lane32(i) * P1) & M64), 23n) * P2) + P3) & M64;
    i += 4;
  }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i] as number) * P5) & M64), 11n) * P1) & M64;
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

function ofBytes(b: Uint8Array): bigint {
  const out = new Uint32Array(2);
  xxh64Bytes(b, 0, b.length, out);
  return (BigInt(out[0] as number) << 32n) | BigInt(out[1] as number);
}

function ofString(s: string): bigint {
  const out = new Uint32Array(2);
  xxh64String(s, out);
  return (BigInt(out[0] as number) << 32n) | BigInt(out[1] as number);
}

describe('xxh64', () => {
  it('matches the published XXH64 vectors for seed 0', () => {
    // Vectors published with xxHash and its ports (empty input, "a", "abc", "xxhash", a 31-byte input).
    expect(ofString('')).toBe(0xef46db3751d8e999n);
    expect(ofString('a')).toBe(0xd24ec4f1a98c6e5bn);
    expect(ofString('abc')).toBe(0x44bc2cf5ad770999n);
    expect(ofString('xxhash')).toBe(0x32dd38952c4bc720n);
    expect(ofString('abcdefghijklmnopqrstuvwxyz12345')).toBe(0x467605901b01d6f6n);
  });

  it('agrees with a bigint transcription of the specification for every length class', () => {
    const seed = testSeed(20261124);
    const rng = new Rng(seed);
    for (let length = 0; length <= 200; length++) {
      for (let trial = 0; trial < 3; trial++) {
        const bytes = rng.bytes(length);
        expect(ofBytes(bytes), `length ${length} ${seedNote(seed)}`).toBe(referenceXxh64(bytes));
      }
    }
  });

  it('hashes a subarray by its own bytes only', () => {
    const seed = testSeed(77);
    const rng = new Rng(seed);
    const big = rng.bytes(300);
    const out = new Uint32Array(2);
    for (const [s, e] of [[0, 0], [3, 40], [17, 300], [100, 107]] as const) {
      xxh64Bytes(big, s, e, out);
      const got = (BigInt(out[0] as number) << 32n) | BigInt(out[1] as number);
      expect(got, `[${s}, ${e}) ${seedNote(seed)}`).toBe(referenceXxh64(big.slice(s, e)));
    }
  });

  it('hashes a string as its UTF-8 bytes, lone surrogates as U+FFFD like TextEncoder', () => {
    const seed = testSeed(4242);
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(ofString(s), seedNote(seed)).toBe(ofBytes(encoder.encode(s)));
      }),
      { seed, numRuns: 200 },
    );
    for (const s of ['\ud800', 'a\udc00b', '\udbff\udfff', 'é€😀', '\ud83d']) {
      expect(ofString(s)).toBe(ofBytes(encoder.encode(s)));
    }
  });

  it('hashes a string longer than the scratch buffer the same as its bytes', () => {
    const s = 'ключ-'.repeat(400);
    expect(ofString(s)).toBe(referenceXxh64(new TextEncoder().encode(s)));
  });
});
