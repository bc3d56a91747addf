import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import {
  hashKey,
  hashKeyInto,
  positionFromBytes,
  positionFromHex,
  positionMax,
  positionToBytes,
  positionToHex,
} from './position.js';
import { rangeContains } from './range-contains.js';
import { isHashRingError } from './errors.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isHashRingError(error) ? error.code : 'not a HashRingError';
  }
  return undefined;
}

describe('positions', () => {
  it('round-trip through their byte form, big-endian', () => {
    const seed = testSeed(101);
    fc.assert(
      fc.property(u64, (p) => {
        const bytes = positionToBytes(p);
        expect(bytes.length, seedNote(seed)).toBe(8);
        expect(positionFromBytes(bytes), seedNote(seed)).toBe(p);
        expect(BigInt(`0x${Buffer.from(bytes).toString('hex')}`), seedNote(seed)).toBe(p);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('sort bytewise exactly as they sort on the ring', () => {
    const seed = testSeed(102);
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const byBytes = Math.sign(compareBytes(positionToBytes(a), positionToBytes(b)));
        expect(byBytes, seedNote(seed)).toBe(a < b ? -1 : a > b ? 1 : 0);
        const byHex = Math.sign(positionToHex(a).localeCompare(positionToHex(b), 'en'));
        expect(positionToHex(a) < positionToHex(b), seedNote(seed)).toBe(a < b);
        expect(byHex === 0, seedNote(seed)).toBe(a === b);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('round-trip through 16-digit hex, and accept upper case', () => {
    expect(positionToHex(0n)).toBe('0000000000000000');
    expect(positionToHex(positionMax)).toBe('ffffffffffffffff');
    expect(positionFromHex('00000000000000FF')).toBe(255n);
    const seed = testSeed(103);
    fc.assert(
      fc.property(u64, (p) => {
        expect(positionFromHex(positionToHex(p)), seedNote(seed)).toBe(p);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('write into a caller buffer at an offset and read back from it', () => {
    const buf = new Uint8Array(20).fill(0xaa);
    const p = 0x0102030405060708n;
    expect(positionToBytes(p, buf, 5)).toBe(buf);
    expect(Array.from(buf.subarray(5, 13))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(buf[4]).toBe(0xaa);
    expect(buf[13]).toBe(0xaa);
    expect(positionFromBytes(buf, 5)).toBe(p);
  });

  it('reject values outside [0, 2^64), short buffers and bad hex with invalid-argument', () => {
    expect(codeOf(() => positionToBytes(-1n))).toBe('invalid-argument');
    expect(codeOf(() => positionToBytes(1n << 64n))).toBe('invalid-argument');
    expect(codeOf(() => positionToBytes(1 as unknown as bigint))).toBe('invalid-argument');
    expect(codeOf(() => positionToBytes(1n, new Uint8Array(8), 1))).toBe('invalid-argument');
    expect(codeOf(() => positionFromBytes(new Uint8Array(7)))).toBe('invalid-argument');
    expect(codeOf(() => positionFromHex('123'))).toBe('invalid-argument');
    expect(codeOf(() => positionFromHex('zzzzzzzzzzzzzzzz'))).toBe('invalid-argument');
    expect(codeOf(() => hashKeyInto('k', new Uint8Array(10), 3))).toBe('invalid-argument');
    expect(codeOf(() => hashKey(42 as unknown as string))).toBe('invalid-argument');
  });
});

describe('hashKey', () => {
  it('hashKeyInto writes the byte form of hashKey', () => {
    const seed = testSeed(104);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 80 })), (key) => {
        const out = new Uint8Array(12);
        hashKeyInto(key, out, 2);
        expect(positionFromBytes(out, 2), seedNote(seed)).toBe(hashKey(key));
      }),
      { seed, numRuns: 300 },
    );
  });

  it('gives a string and its UTF-8 bytes the same position', () => {
    for (const key of ['', 'user:42', 'ключ', '🔑 key']) {
      expect(hashKey(key)).toBe(hashKey(new TextEncoder().encode(key)));
    }
  });

  it('is XXH64 with seed 0 read as an unsigned 64-bit number', () => {
    expect(hashKey('')).toBe(0xef46db3751d8e999n);
    expect(hashKey('a')).toBe(0xd24ec4f1a98c6e5bn);
  });
});

describe('rangeContains', () => {
  it('treats (start, end] as exclusive below and inclusive above', () => {
    const r = { start: 10n, end: 20n };
    expect([9n, 10n, 11n, 20n, 21n].map((p) => rangeContains(r, p))).toEqual([false, false, true, true, false]);
  });

  it('wraps through zero when start > end', () => {
    const r = { start: positionMax - 5n, end: 3n };
    expect([positionMax - 5n, positionMax - 4n, positionMax, 0n, 3n, 4n].map((p) => rangeContains(r, p))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it('covers the whole ring when start = end', () => {
    const r = { start: 7n, end: 7n };
    expect([0n, 7n, 8n, positionMax].every((p) => rangeContains(r, p))).toBe(true);
  });
});
