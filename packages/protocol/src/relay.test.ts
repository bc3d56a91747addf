/** The relay messages: bounds, the call's deadline, the hello capability, and that a relay never rides in a peer-batch. */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { normalize } from '../test/arbitraries.js';
import { PeerCodec } from './peer.js';

const codec = new PeerCodec();
const raw = new Packr({ useRecords: false });

function refusal(c: PeerCodec, frame: Uint8Array): string {
  const result = c.decode(frame);
  return result.ok ? 'accepted' : result.error.code;
}

describe('relay messages', () => {
  it('round-trip a relay and its relay-ok', () => {
    const relay = { type: 'relay' as const, id: 7, entries: new Uint8Array([0, 0x90]), timeoutMs: 900 };
    const ok = { type: 'relay-ok' as const, id: 7, outcomes: new Uint8Array([0x91, 0x90]) };
    for (const m of [relay, ok]) {
      const decoded = codec.decode(codec.encode(m));
      expect(normalize(decoded.ok && decoded.message)).toEqual(normalize(m));
    }
  });

  it('refuse a relay without a timeout, without entries, or with entries that are not bytes', () => {
    expect(refusal(codec, raw.pack({ v: 1, k: 1, type: 'relay', id: 1, entries: new Uint8Array(2) }))).toBe('invalid-message');
    expect(refusal(codec, raw.pack({ v: 1, k: 1, type: 'relay', id: 1, timeoutMs: 5 }))).toBe('invalid-message');
    expect(refusal(codec, raw.pack({ v: 1, k: 1, type: 'relay', id: 1, entries: 'x', timeoutMs: 5 }))).toBe('invalid-message');
    expect(refusal(codec, raw.pack({ v: 1, k: 1, type: 'relay-ok', id: 1 }))).toBe('invalid-message');
  });

  it('refuse entries over the frame bound at decode and at encode', () => {
    const small = new PeerCodec({ limits: { frameBytesMax: 1024, valueBytesMax: 512 } });
    expect(refusal(small, raw.pack({ v: 1, k: 1, type: 'relay', id: 1, entries: new Uint8Array(2000), timeoutMs: 5 }))).toBe('frame-too-large');
    expect(() => small.encode({ type: 'relay', id: 1, entries: new Uint8Array(2000), timeoutMs: 5 })).toThrow(/frame-too-large|1024/);
  });

  it('may not travel inside a peer-batch: it is one already', () => {
    expect(refusal(codec, raw.pack({ v: 1, k: 1, type: 'peer-batch', messages: [{ type: 'relay', id: 1, entries: new Uint8Array(1), timeoutMs: 5 }] }))).toBe('invalid-message');
    expect(() => codec.check({ type: 'relay', id: 1, entries: new Uint8Array(1), timeoutMs: 5 } as never)).toThrow(/peer-batch/);
  });

  it('hello and hello-ok say relay only when true, and ones without it decode as before', () => {
    const hello = codec.decode(raw.pack({ v: 1, k: 1, type: 'peer-hello', protocolVersion: 1, nodeId: 'a', clusterName: 'c', relay: true }));
    expect(hello.ok && hello.message).toEqual({ type: 'peer-hello', protocolVersion: 1, nodeId: 'a', clusterName: 'c', relay: true });
    const decoded = codec.decode(raw.pack({ v: 1, k: 1, type: 'peer-hello-ok', nodeId: 'b', relay: true, batching: true }));
    expect(decoded.ok && decoded.message).toEqual({ type: 'peer-hello-ok', nodeId: 'b', batching: true, relay: true });
    const off = codec.decode(raw.pack({ v: 1, k: 1, type: 'peer-hello-ok', nodeId: 'b', relay: false }));
    expect(off.ok && off.message).toEqual({ type: 'peer-hello-ok', nodeId: 'b' });
  });
});
