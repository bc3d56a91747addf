import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { keyId, storageKey } from './keys.js';

describe('keyId', () => {
  it('is the latin1 string of the bytes, one char per byte, for a view at an offset too', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(keyId(bytes)).toBe(Buffer.from(bytes).toString('latin1'));
    expect(keyId(bytes).length).toBe(256);
    const view = bytes.subarray(100, 140);
    expect(keyId(view)).toBe(Buffer.from(view).toString('latin1'));
    expect(keyId(new Uint8Array(0))).toBe('');
  });

  it('tells storage keys apart exactly when their bytes differ', () => {
    expect(keyId(storageKey('a'))).toBe(keyId(storageKey(new TextEncoder().encode('a'))));
    expect(keyId(storageKey('a'))).not.toBe(keyId(storageKey('b')));
    expect(keyId(storageKey('é'))).not.toBe(keyId(storageKey('e')));
  });
});
