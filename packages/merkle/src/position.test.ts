import { describe, expect, it } from 'vitest';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { bucketOf, bucketRange } from './position.js';
import { errorCode } from '../test/error-code.js';

function position(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));
}

function hexOf(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('bucketOf', () => {
  it('takes the top bucketsLog2 bits of the big-endian position', () => {
    expect(bucketOf(position('0000000000000000'), 10)).toBe(0);
    expect(bucketOf(position('ffffffffffffffff'), 10)).toBe(1023);
    expect(bucketOf(position('8000000000000000'), 1)).toBe(1);
    expect(bucketOf(position('7fffffffffffffff'), 1)).toBe(0);
    expect(bucketOf(position('abcdef0000000000'), 20)).toBe(0xabcde);
    expect(bucketOf(position('ffffffffffffffff'), 0)).toBe(0);
  });

  it('rejects a position that is not exactly 8 bytes, and a bad bucketsLog2', () => {
    expect(errorCode(() => bucketOf(new Uint8Array(9), 4))).toBe('invalid-argument');
    expect(errorCode(() => bucketOf(new Uint8Array(7), 4))).toBe('invalid-argument');
    expect(errorCode(() => bucketOf('12345678' as unknown as Uint8Array, 4))).toBe('invalid-argument');
    expect(errorCode(() => bucketOf(new Uint8Array(8), 21))).toBe('invalid-argument');
    expect(errorCode(() => bucketOf(new Uint8Array(8), 1.5))).toBe('invalid-argument');
  });
});

describe('bucketRange', () => {
  it('gives inclusive start and end and the next bucket start', () => {
    const range = bucketRange(1, 2);
    expect(hexOf(range.start)).toBe('4000000000000000');
    expect(hexOf(range.end)).toBe('7fffffffffffffff');
    expect(hexOf(range.next)).toBe('8000000000000000');
  });

  it('ends the last bucket at ff…ff with no next position', () => {
    const range = bucketRange(1023, 10);
    expect(hexOf(range.start)).toBe('ffc0000000000000');
    expect(hexOf(range.end)).toBe('ffffffffffffffff');
    expect(range.next).toBeUndefined();
    expect(hexOf(bucketRange(0, 0).end)).toBe('ffffffffffffffff');
  });

  it('agrees with bucketOf: buckets tile the ring without gaps or overlaps', () => {
    const seed = testSeed(31);
    const rng = new Rng(seed);
    for (let t = 0; t < 200; t++) {
      const bucketsLog2 = rng.int(21);
      const bucket = rng.int(2 ** bucketsLog2);
      const range = bucketRange(bucket, bucketsLog2);
      expect(bucketOf(range.start, bucketsLog2), seedNote(seed)).toBe(bucket);
      expect(bucketOf(range.end, bucketsLog2), seedNote(seed)).toBe(bucket);
      if (range.next !== undefined) {
        expect(bucketOf(range.next, bucketsLog2), seedNote(seed)).toBe(bucket + 1);
        const afterEnd = BigInt(`0x${hexOf(range.end)!}`) + 1n;
        expect(BigInt(`0x${hexOf(range.next)!}`), seedNote(seed)).toBe(afterEnd);
      }
    }
  });

  it('rejects a bucket outside the tree', () => {
    expect(errorCode(() => bucketRange(4, 2))).toBe('invalid-argument');
    expect(errorCode(() => bucketRange(-1, 2))).toBe('invalid-argument');
    expect(errorCode(() => bucketRange(0.5, 2))).toBe('invalid-argument');
  });
});
