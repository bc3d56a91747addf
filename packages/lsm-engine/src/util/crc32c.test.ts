import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the published check values of CRC-32C', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('gives the same result piecewise as in one pass', () => {
    const seed = testSeed(31);
    const rng = new Rng(seed);
    for (let round = 0; round < 50; round++) {
      const data = rng.bytes(rng.int(300));
      const cut = rng.int(data.length + 1);
      const whole = crc32c(data);
      const pieces = crc32c(data, crc32c(data, 0, 0, cut), cut, data.length);
      expect(pieces, seedNote(seed)).toBe(whole);
    }
  });

  it('mask and unmask are inverses and masking changes the value', () => {
    for (const crc of [0, 1, 0xe3069283, 0xffffffff]) {
      expect(unmaskCrc(maskCrc(crc))).toBe(crc);
      expect(maskCrc(crc)).not.toBe(crc);
    }
  });
});
