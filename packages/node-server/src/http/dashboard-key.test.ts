import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { inspectorValuePreviewBytes } from './dashboard-limits.js';
import { keyOfQuery, previewOf } from './dashboard-key.js';

const packr = new Packr({ useRecords: false });

describe('key inspector previews and queries', () => {
  it('shows a MessagePack value as JSON, raw UTF-8 bytes as text and other bytes as hex', () => {
    expect(previewOf(packr.pack('left'), true)).toEqual({ bytes: 5, encoding: 'msgpack', preview: '"left"', truncated: false });
    expect(previewOf(packr.pack({ a: 1, b: new Uint8Array([255]) }), true).preview).toBe('{"a":1,"b":{"bytes":"ff"}}');
    expect(previewOf(new TextEncoder().encode('plain text'), false)).toEqual({ bytes: 10, encoding: 'utf8', preview: 'plain text', truncated: false });
    expect(previewOf(new Uint8Array([0, 1, 0xfe]), false)).toEqual({ bytes: 3, encoding: 'hex', preview: '0001fe', truncated: false });
    expect(previewOf(new Uint8Array([0xa5, 0x61]), true)).toMatchObject({ encoding: 'hex', preview: 'a561' }); // a string cut short
  });

  it('cuts a long value to the preview bound and says so, keeping its full length', () => {
    const long = 'é'.repeat(inspectorValuePreviewBytes);
    const shown = previewOf(new TextEncoder().encode(long), false);
    expect(shown).toMatchObject({ bytes: 2 * inspectorValuePreviewBytes, encoding: 'utf8', truncated: true });
    expect(shown.preview.length).toBeLessThanOrEqual(inspectorValuePreviewBytes);
    expect(previewOf(packr.pack('x'.repeat(2 * inspectorValuePreviewBytes)), true)).toMatchObject({ encoding: 'msgpack', truncated: true });
  });

  it('takes a key as text or as hex bytes, one of them, within the key bound', () => {
    expect(keyOfQuery(new URLSearchParams('key=a%20b'), 1024)).toEqual({ key: 'a b' });
    expect(keyOfQuery(new URLSearchParams('hex=00ff'), 1024)).toEqual({ key: new Uint8Array([0, 255]) });
    for (const q of ['', 'key=', 'hex=abc', 'hex=zz', 'key=a&hex=00', 'key=abcd']) {
      expect(keyOfQuery(new URLSearchParams(q), 3), q).toHaveProperty('error');
    }
  });
});
