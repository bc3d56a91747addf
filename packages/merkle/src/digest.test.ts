import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { versionDigest, versionDigestBytes } from './digest.js';
import { hashBytes64 } from './hash64.js';
import { errorCode } from '../test/error-code.js';

const utf8 = new TextEncoder();

describe('versionDigest', () => {
  it('is 8 bytes that depend only on the input bytes', () => {
    const a = versionDigest(utf8.encode('{"siblings":[1]}'));
    expect(a.length).toBe(versionDigestBytes);
    expect(versionDigest(utf8.encode('{"siblings":[1]}'))).toEqual(a);
    expect(versionDigest(utf8.encode('{"siblings":[2]}'))).not.toEqual(a);
    expect(versionDigest(new Uint8Array(0))).not.toEqual(versionDigest(new Uint8Array(1)));
  });

  it('uses its own seed: it differs from the seed-0 hash of the same bytes', () => {
    const input = utf8.encode('version');
    const digest = versionDigest(input);
    const view = new DataView(digest.buffer);
    const plain = new Uint32Array(2);
    hashBytes64(input, input.length, 0, plain);
    expect([view.getUint32(0), view.getUint32(4)]).not.toEqual(Array.from(plain));
  });

  it('keeps its bytes across releases: replicas of different versions compare digests', () => {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const long = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255);
    // Produced by the DataView implementation this replaced (f2a6396).
    expect(hex(versionDigest(new Uint8Array(0)))).toBe('839c73b270889c59');
    expect(hex(versionDigest(utf8.encode('version')))).toBe('3c176a272064c0ca');
    expect(hex(versionDigest(utf8.encode('{"siblings":[1]}')))).toBe('d899025e25d6c795');
    expect(hex(versionDigest(long))).toBe('23fd92a36828e9a0');
  });

  it('returns a fresh array each call', () => {
    const input = Uint8Array.of(1, 2, 3);
    const first = versionDigest(input);
    first.fill(0);
    expect(versionDigest(input)).not.toEqual(first);
  });

  it('rejects a non-byte input with invalid-argument', () => {
    expect(errorCode(() => versionDigest('text' as unknown as Uint8Array))).toBe('invalid-argument');
  });
});
