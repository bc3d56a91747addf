/** The peer-batch frame: per-message validation, the size bound, and the hello capability that gates it. */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { normalize } from '../test/arbitraries.js';
import { peerBatchMessagesMax } from './limits.js';
import { PeerCodec, type CheckedBatchMessage, type PeerMessage } from './peer.js';

const codec = new PeerCodec();
const raw = new Packr({ useRecords: false });
const fetch = (id: number) => ({ type: 'fetch' as const, id, key: `k${id}`, timeoutMs: 100 });

function refusal(frame: Uint8Array): string {
  const result = codec.decode(frame);
  return result.ok ? 'accepted' : result.error.code;
}

describe('peer-batch', () => {
  it('carries calls in order, each validated as its own message', () => {
    const calls = [fetch(1), { type: 'apply' as const, id: 2, key: 'a', set: new Uint8Array([1, 2]), hintFor: 'n3', hintStampMs: 5, timeoutMs: 50 }, { type: 'forward' as const, id: 3, request: new Uint8Array(4), timeoutMs: 7 }];
    const result = codec.decode(codec.encodeBatch(calls.map((c) => codec.check(c))));
    expect(normalize(result.ok && result.message)).toEqual(normalize({ type: 'peer-batch', messages: calls }));
  });

  it('carries replies, error replies with their id', () => {
    const replies = [{ type: 'apply-ok' as const, id: 9 }, { type: 'peer-error' as const, id: 4, code: 'timeout' as const, message: 'slow' }, { type: 'fetch-ok' as const, id: 5 }];
    const result = codec.decode(codec.encodeBatch(replies.map((r) => codec.check(r))));
    expect(result.ok && result.message).toEqual({ type: 'peer-batch', messages: replies });
  });

  it('check refuses one bad call with the error encode gives, so only that call fails', () => {
    const small = new PeerCodec({ limits: { keyBytesMax: 4 } });
    expect(() => small.check(fetch(1))).not.toThrow();
    expect(() => small.check({ ...fetch(2), key: 'a-long-key' })).toThrow(/key-too-large|4/);
    expect(() => codec.check({ type: 'tree-nodes-ok', id: 1, hashes: new Uint8Array(8) } as unknown as CheckedBatchMessage)).toThrow(/peer-batch/);
  });

  it(`holds at most peerBatchMessagesMax (${peerBatchMessagesMax}) messages, at least one, calls or replies but not both`, () => {
    const full = Array.from({ length: peerBatchMessagesMax }, (_, i) => codec.check(fetch(i)));
    expect(codec.decode(codec.encodeBatch(full)).ok).toBe(true);
    expect(() => codec.encodeBatch([...full, codec.check(fetch(999))])).toThrow(/1…256/);
    expect(() => codec.encodeBatch([])).toThrow(/1…256/);
    expect(() => codec.encodeBatch([codec.check(fetch(1)), codec.check({ type: 'apply-ok', id: 2 })])).toThrow(/share/);
    const over = raw.pack({ v: 1, k: 1, type: 'peer-batch', messages: Array.from({ length: peerBatchMessagesMax + 1 }, (_, i) => fetch(i)) });
    expect(refusal(over)).toBe('invalid-message');
    expect(refusal(raw.pack({ v: 1, k: 1, type: 'peer-batch', messages: [] }))).toBe('invalid-message');
    expect(refusal(raw.pack({ v: 1, k: 1, type: 'peer-batch', messages: [fetch(1), { type: 'apply-ok', id: 2 }] }))).toBe('invalid-message');
  });

  it('refuses a frame over frameBytesMax at encode', () => {
    const small = new PeerCodec({ limits: { frameBytesMax: 1024, valueBytesMax: 512 } });
    const big = [1, 2, 3].map((id) => small.check({ type: 'apply', id, key: 'k', set: new Uint8Array(400), timeoutMs: 5 }));
    expect(() => small.encodeBatch(big)).toThrow(/frame-too-large|1024/);
  });

  it('refuses a nested batch, a hello, gossip or an exchange call inside, and an error reply without an id', () => {
    const inner = (m: Record<string, unknown>) => refusal(raw.pack({ v: 1, k: 1, type: 'peer-batch', messages: [m] }));
    expect(inner({ type: 'peer-batch', messages: [fetch(1)] })).toBe('invalid-message');
    expect(inner({ type: 'peer-hello', protocolVersion: 1, nodeId: 'a', clusterName: 'c' })).toBe('invalid-message');
    expect(inner({ type: 'gossip', msg: {} })).toBe('invalid-message');
    expect(inner({ type: 'sync-sets', id: 1, entries: new Uint8Array(1), timeoutMs: 5 })).toBe('invalid-message');
    expect(inner({ type: 'peer-error', code: 'timeout', message: 'x' })).toBe('invalid-message');
    expect(inner({ type: 'fetch', id: 1, key: 'k' }), 'a call in a batch still needs its timeout').toBe('invalid-message');
  });
});

describe('the batching capability in the hello', () => {
  it('is optional both ways, and an old node that ignores it decodes the hello as before', () => {
    const hello: PeerMessage = { type: 'peer-hello', protocolVersion: 1, nodeId: 'a', clusterName: 'c', batching: true };
    const decoded = codec.decode(codec.encode(hello));
    expect(decoded.ok && decoded.message).toEqual(hello);
    const without = codec.decode(raw.pack({ v: 1, k: 1, type: 'peer-hello-ok', nodeId: 'b' }));
    expect(without.ok && without.message).toEqual({ type: 'peer-hello-ok', nodeId: 'b' });
    const falsy = codec.decode(raw.pack({ v: 1, k: 1, type: 'peer-hello-ok', nodeId: 'b', batching: false }));
    expect(falsy.ok && falsy.message).toEqual({ type: 'peer-hello-ok', nodeId: 'b' });
  });
});
