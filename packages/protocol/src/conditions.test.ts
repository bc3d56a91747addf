import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { normalize } from '../test/arbitraries.js';
import { WireCodec } from './codec.js';
import { errorFrame, errorFromFrame } from './error-frames.js';
import { protocolError } from './errors.js';
import { ttlMsMax } from './limits.js';
import type { Message } from './messages.js';

const codec = new WireCodec();
const rawPackr = new Packr({ useRecords: false });

function roundTrip(message: Message): Message {
  const result = codec.decode(codec.encode(message));
  if (!result.ok) throw result.error;
  return result.message;
}

function refusal(message: Record<string, unknown>): string {
  const result = codec.decode(rawPackr.pack({ v: 1, k: 0, ...message }));
  if (result.ok) throw new Error('decoded');
  return `${result.error.code}: ${result.error.message}`;
}

const value = Uint8Array.of(1, 2);

describe('ttl and conditions on the wire', () => {
  it('carries ttlMs, ifAbsent and ifMatch of a put and ifMatch of a delete', () => {
    const put: Message = { type: 'put', id: 1, key: 'k', value, ttlMs: 30_000, ifAbsent: true };
    expect(normalize(roundTrip(put))).toEqual(normalize(put));
    const match: Message = { type: 'put', id: 2, key: 'k', value, context: Uint8Array.of(0, 0), ifMatch: true };
    expect(normalize(roundTrip(match))).toEqual(normalize(match));
    const del: Message = { type: 'delete', id: 3, key: 'k', ifMatch: true };
    expect(roundTrip(del)).toEqual(del);
  });

  it('refuses a ttl below 1 ms or above ttlMsMax, a false flag and ifAbsent with ifMatch', () => {
    expect(refusal({ type: 'put', id: 1, key: 'k', value, ttlMs: 0 })).toMatch(/^invalid-message: .*ttlMs/);
    expect(refusal({ type: 'put', id: 1, key: 'k', value, ttlMs: ttlMsMax + 1 })).toMatch(/ttlMs/);
    expect(refusal({ type: 'put', id: 1, key: 'k', value, ttlMs: 1.5 })).toMatch(/ttlMs/);
    expect(refusal({ type: 'put', id: 1, key: 'k', value, ifAbsent: false })).toMatch(/ifAbsent/);
    expect(refusal({ type: 'put', id: 1, key: 'k', value, ifAbsent: true, ifMatch: true })).toMatch(/ifAbsent/);
  });

  it('ignores a ttl on a delete (not a field of delete)', () => {
    expect(roundTrip({ type: 'delete', id: 3, key: 'k', ttlMs: 5 } as unknown as Message)).toEqual({ type: 'delete', id: 3, key: 'k' });
  });

  it('carries the current versions of a condition-failed error through a frame and back', () => {
    const current = { found: true, siblings: [{ value }, { tombstone: true as const }], context: Uint8Array.of(0, 1, 1, 97, 1) };
    const error = protocolError('condition-failed', 'the key exists', { requestId: 9, current });
    const frame = errorFrame(error);
    expect(normalize(roundTrip(frame))).toEqual(normalize(frame));
    const back = errorFromFrame(frame);
    expect(back.code).toBe('condition-failed');
    expect(back.current).toEqual(current);
  });

  it('refuses a current whose found disagrees with its siblings', () => {
    expect(refusal({ type: 'error', id: 1, code: 'condition-failed', message: 'x', current: { found: true, siblings: [], context: Uint8Array.of(0, 0) } })).toMatch(/found/);
  });
});
