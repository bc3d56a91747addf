import fc from 'fast-check';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { isVclockError } from './errors.js';
import { ByteReader, varintBytes, writeVarint } from './varint.js';

function encode(value: number): Uint8Array {
  const out = new Uint8Array(varintBytes(value));
  expect(writeVarint(out, 0, value)).toBe(out.length);
  return out;
}

function decodeError(bytes: number[]): unknown {
  try {
    new ByteReader(Uint8Array.from(bytes)).varint('test');
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('varint', () => {
  it('writes 7 bits per byte, low group first, with the continuation bit on all but the last', () => {
    expect([...encode(0)]).toEqual([0x00]);
    expect([...encode(127)]).toEqual([0x7f]);
    expect([...encode(128)]).toEqual([0x80, 0x01]);
    expect([...encode(300)]).toEqual([0xac, 0x02]);
    expect(encode(Number.MAX_SAFE_INTEGER)).toHaveLength(8);
  });

  it('round-trips every safe integer and consumes exactly its bytes', () => {
    const seed = testSeed(101);
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const reader = new ByteReader(encode(value));
        expect(reader.varint('v'), seedNote(seed)).toBe(value);
        expect(reader.remaining, seedNote(seed)).toBe(0);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('rejects non-minimal, truncated, over-long and over-large varints as malformed', () => {
    const nineBytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const above2to53 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10];
    for (const bytes of [[0x80, 0x00], [0x80], [], nineBytes, above2to53]) {
      const error = decodeError(bytes);
      expect(isVclockError(error) && error.code === 'malformed', `bytes ${bytes.join(',')}`).toBe(true);
    }
  });
});
