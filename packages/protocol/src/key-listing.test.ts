import { describe, expect, it } from 'vitest';
import { WireCodec } from './codec.js';
import { decodeCursor, encodeCursor } from './key-listing.js';
import { PeerCodec } from './peer.js';
import { Packr } from 'msgpackr';

const codec = new WireCodec();
const raw = new Packr({ useRecords: false });

function decodeError(map: Record<string, unknown>): { code: string; requestId: number | undefined } {
  const result = codec.decode(raw.pack({ v: 1, k: 0, ...map }));
  if (result.ok) throw new Error('decoded');
  return { code: result.error.code, requestId: result.error.requestId };
}

describe('scan cursors', () => {
  it('decodeCursor returns the scan point encodeCursor wrapped', () => {
    const point = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 0x61, 0x62);
    expect(decodeCursor(encodeCursor(point), 1024)).toEqual(point);
  });

  it('decodeCursor refuses another version, a short point and a point past the longest key as invalid-argument', () => {
    expect(() => decodeCursor(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0), 1024)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => decodeCursor(Uint8Array.of(1, 0, 0), 1024)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => decodeCursor(new Uint8Array(0), 1024)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => decodeCursor(encodeCursor(new Uint8Array(8 + 4 + 2)), 4)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(decodeCursor(encodeCursor(new Uint8Array(8 + 4 + 1)), 4).length).toBe(13);
  });
});

describe('scan validation', () => {
  it('answers a garbled cursor with invalid-argument for the request', () => {
    expect(decodeError({ type: 'scan', id: 7, cursor: Uint8Array.of(9, 9) })).toEqual({ code: 'invalid-argument', requestId: 7 });
  });

  it('refuses a limit outside [1, 1000] and an empty prefix', () => {
    expect(decodeError({ type: 'scan', id: 1, limit: 0 }).code).toBe('invalid-message');
    expect(decodeError({ type: 'scan', id: 1, limit: 1001 }).code).toBe('invalid-message');
    expect(decodeError({ type: 'scan', id: 1, prefix: '' }).code).toBe('invalid-message');
  });

  it('accepts a scan with only an id, and scan-ok keys as bytes', () => {
    const decoded = codec.decode(codec.encode({ type: 'scan', id: 3 }));
    expect(decoded.ok && decoded.message).toEqual({ type: 'scan', id: 3 });
    const ok = codec.decode(codec.encode({ type: 'scan-ok', id: 3, keys: [Uint8Array.of(0x61)] }));
    expect(ok.ok && ok.message.type === 'scan-ok' && ok.message.keys.map((k) => [...k])).toEqual([[0x61]]);
  });

  it('refuses a scan-range whose from is shorter than a ring position', () => {
    const peer = new PeerCodec();
    const result = peer.decode(raw.pack({ v: 1, k: 1, type: 'scan-range', id: 1, from: Uint8Array.of(1, 2), end: new Uint8Array(8), keysMax: 10, bytesMax: 100, timeoutMs: 1000 }));
    expect(result.ok ? undefined : result.error.code).toBe('invalid-argument');
  });
});
