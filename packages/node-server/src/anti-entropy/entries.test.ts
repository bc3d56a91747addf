import { compressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { decodePairs, encodeEntries, type SetEntry } from './entries.js';
import { aeChunkBytesMax, aeCompressBytesMin, lz4ExpansionMax } from './limits.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Enough pairs that the chunk is compressed. */
const compressible: SetEntry[] = Array.from({ length: 200 }, (_, i) => ({ key: bytes(`key-${i}`), set: new Uint8Array(64).fill(i % 3) }));

/** A compressed chunk with lz4-napi's own size prefix (u32 LE after ringkv's 5-byte header) replaced. */
function withLz4Prefix(chunk: Uint8Array, prefixed: number): Uint8Array {
  const out = chunk.slice();
  new DataView(out.buffer).setUint32(5, prefixed, true);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('anti-entropy entries', () => {
  it('round-trips a compressed chunk whose lz4 prefix equals the declared length', () => {
    const chunk = encodeEntries(compressible);
    expect(chunk[0]).toBe(1);
    expect(decodePairs(chunk)).toHaveLength(compressible.length);
  });

  it('refuses a chunk whose lz4 prefix claims more than the declared length, before decompressing (issue 15, decompression bomb)', () => {
    const chunk = encodeEntries(compressible);
    // 4 GiB − 1: what lz4-napi would have allocated and zero-filled on the event loop.
    expect(codeOf(() => decodePairs(withLz4Prefix(chunk, 0xffff_ffff)))).toBe('invalid-message');
    // Even a modest lie was accepted before: the body decompresses to the declared length.
    expect(codeOf(() => decodePairs(withLz4Prefix(chunk, 32 * 1024 * 1024)))).toBe('invalid-message');
  });

  it('refuses a chunk that declares more than its compressed bytes can expand to', () => {
    const declared = aeChunkBytesMax;
    const bomb = new Uint8Array(5 + 4 + 56);
    bomb[0] = 1;
    new DataView(bomb.buffer).setUint32(1, declared);
    new DataView(bomb.buffer).setUint32(5, declared, true);
    expect(codeOf(() => decodePairs(bomb))).toBe('invalid-message');
  });

  it('refuses a declared length above aeChunkBytesMax with limit-exceeded', () => {
    const bomb = new Uint8Array(64);
    bomb[0] = 1;
    new DataView(bomb.buffer).setUint32(1, aeChunkBytesMax + 1);
    expect(codeOf(() => decodePairs(bomb))).toBe('limit-exceeded');
  });

  it('lz4ExpansionMax holds for the most compressible input of every size class', () => {
    for (const size of [0, 1, 100, aeCompressBytesMin, 65_536, 1 << 20, 16 << 20]) {
      const packed = compressSync(Buffer.alloc(size));
      expect(packed.readUInt32LE(0), `size ${size}`).toBe(size);
      expect((packed.length - 4) * lz4ExpansionMax, `size ${size}`).toBeGreaterThanOrEqual(size);
    }
  });
});
