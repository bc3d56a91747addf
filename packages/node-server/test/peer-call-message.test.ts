/** The wire message of a peer call: fixed shapes for apply and fetch, absent optional fields stay absent. */
import { PeerCodec } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { callMessage } from '../src/cluster/peer-call-message.js';

describe('callMessage', () => {
  it('adds the id and timeout to every call body and keeps exactly the fields given', () => {
    const set = new Uint8Array([1]);
    expect(callMessage({ type: 'fetch', key: 'k' }, 1, 10)).toStrictEqual({ type: 'fetch', id: 1, key: 'k', timeoutMs: 10 });
    expect(callMessage({ type: 'fetch', key: 'k', hintFor: 'n2' }, 2, 10)).toStrictEqual({ type: 'fetch', id: 2, key: 'k', hintFor: 'n2', timeoutMs: 10 });
    expect(callMessage({ type: 'apply', key: 'k', set }, 3, 10)).toStrictEqual({ type: 'apply', id: 3, key: 'k', set, timeoutMs: 10 });
    expect(callMessage({ type: 'apply', key: 'k', set, hintFor: 'n2' }, 4, 10)).toStrictEqual({ type: 'apply', id: 4, key: 'k', set, hintFor: 'n2', timeoutMs: 10 });
    expect(callMessage({ type: 'apply', key: 'k', set, hintFor: 'n2', hintStampMs: 7 }, 5, 10)).toStrictEqual({ type: 'apply', id: 5, key: 'k', set, hintFor: 'n2', hintStampMs: 7, timeoutMs: 10 });
    const forward = { type: 'forward' as const, request: new Uint8Array(2) };
    expect(callMessage(forward, 6, 10)).toStrictEqual({ ...forward, id: 6, timeoutMs: 10 });
  });

  it('builds messages the peer codec accepts as they are', () => {
    const codec = new PeerCodec();
    const message = callMessage({ type: 'apply', key: 'k', set: new Uint8Array([1]), hintFor: 'n2', hintStampMs: 7 }, 5, 10);
    const decoded = codec.decode(codec.encode(message));
    expect(decoded.ok && decoded.message.type === 'apply' && decoded.message.hintStampMs).toBe(7);
  });
});
