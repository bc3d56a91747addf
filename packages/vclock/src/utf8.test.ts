import fc from 'fast-check';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { isVclockError } from './errors.js';
import { readUtf8, utf8Length, writeUtf8 } from './utf8.js';

describe('utf8', () => {
  const seed = testSeed(401);

  it('encodes every well-formed string exactly as TextEncoder does, and decodes it back', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 })), (text) => {
        const expected = encoder.encode(text);
        const out = new Uint8Array(utf8Length(text));
        expect(writeUtf8(out, 0, text), seedNote(seed)).toBe(out.length);
        expect(out, seedNote(seed)).toEqual(expected);
        expect(readUtf8(out), seedNote(seed)).toBe(text);
      }),
      { seed, numRuns: 400 },
    );
  });

  it('rejects ill-formed UTF-8 as malformed and keeps a byte-order mark', () => {
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      let code: string | undefined;
      try {
        readUtf8(Uint8Array.from(bytes));
      } catch (error) {
        code = isVclockError(error) ? error.code : 'other';
      }
      expect(code, bytes.join(',')).toBe('malformed');
    }
    expect(readUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa');
  });
});
