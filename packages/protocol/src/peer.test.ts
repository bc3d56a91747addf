import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { normalize } from '../test/arbitraries.js';
import { WireCodec } from './codec.js';
import { PeerCodec, peerMessageTypes, type PeerMessage } from './peer.js';

const codec = new PeerCodec();
const seed = testSeed(0x5eed_0_0ee5);
const raw = new Packr({ useRecords: false });
const id = fc.integer({ min: 0, max: 0xffff_ffff });
const key = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }));
const name = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
const timeoutMs = fc.integer({ min: 1, max: 600_000 });
const bytes = fc.uint8Array({ maxLength: 300 });
const u32s = fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 40 }).map((xs) => {
  const out = new Uint8Array(xs.length * 4);
  xs.forEach((x, i) => new DataView(out.buffer).setUint32(i * 4, x));
  return out;
});

const arbs: Record<PeerMessage['type'], fc.Arbitrary<PeerMessage>> = {
  'peer-hello': fc.record(
    { type: fc.constant('peer-hello' as const), protocolVersion: fc.integer({ min: 1, max: 0xffff }), nodeId: name, clusterName: name, secret: fc.string({ maxLength: 64 }), batching: fc.constant(true), relay: fc.constant(true) },
    { requiredKeys: ['type', 'protocolVersion', 'nodeId', 'clusterName'] },
  ),
  'peer-hello-ok': fc.record({ type: fc.constant('peer-hello-ok' as const), nodeId: name, batching: fc.constant(true), relay: fc.constant(true) }, { requiredKeys: ['type', 'nodeId'] }),
  gossip: fc.record({ type: fc.constant('gossip' as const), msg: fc.record({ t: fc.constantFrom('syn', 'ack'), from: name, digest: fc.array(fc.tuple(name, fc.nat(), fc.nat()), { maxLength: 5 }) }) }),
  apply: fc.record({ type: fc.constant('apply' as const), id, key, set: bytes, hintFor: name, hintStampMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), timeoutMs }, { requiredKeys: ['type', 'id', 'key', 'set', 'timeoutMs'] }),
  fetch: fc.record({ type: fc.constant('fetch' as const), id, key, hintFor: name, timeoutMs }, { requiredKeys: ['type', 'id', 'key', 'timeoutMs'] }),
  forward: fc.record({ type: fc.constant('forward' as const), id, request: bytes, timeoutMs }),
  'apply-ok': fc.record({ type: fc.constant('apply-ok' as const), id }),
  'fetch-ok': fc.record({ type: fc.constant('fetch-ok' as const), id, set: bytes }, { requiredKeys: ['type', 'id'] }),
  'forward-ok': fc.record({ type: fc.constant('forward-ok' as const), id, reply: bytes }),
  'tree-nodes': fc.record({ type: fc.constant('tree-nodes' as const), id, group: name, bucketsLog2: fc.constant(10), depth: fc.integer({ min: 0, max: 10 }), indices: u32s, timeoutMs }),
  'tree-nodes-ok': fc.record({ type: fc.constant('tree-nodes-ok' as const), id, hashes: bytes }),
  'range-sets': fc.record(
    { type: fc.constant('range-sets' as const), id, group: name, bucketsLog2: fc.integer({ min: 0, max: 20 }), buckets: u32s, after: bytes, bytesMax: fc.integer({ min: 1, max: 1 << 20 }), digests: fc.constant(true as const), timeoutMs },
    { requiredKeys: ['type', 'id', 'group', 'bucketsLog2', 'buckets', 'bytesMax', 'timeoutMs'] },
  ),
  'range-sets-ok': fc.record({ type: fc.constant('range-sets-ok' as const), id, entries: bytes, more: bytes }, { requiredKeys: ['type', 'id', 'entries'] }),
  'key-sets': fc.record({ type: fc.constant('key-sets' as const), id, entries: bytes, timeoutMs }),
  'sync-sets': fc.record({ type: fc.constant('sync-sets' as const), id, entries: bytes, timeoutMs }),
  'sync-sets-ok': fc.record({ type: fc.constant('sync-sets-ok' as const), id }),
  'stream-range': fc.record(
    { type: fc.constant('stream-range' as const), id, start: fc.uint8Array({ minLength: 8, maxLength: 8 }), end: fc.uint8Array({ minLength: 8, maxLength: 8 }), after: bytes, bytesMax: fc.integer({ min: 1, max: 1 << 20 }), timeoutMs },
    { requiredKeys: ['type', 'id', 'start', 'end', 'bytesMax', 'timeoutMs'] },
  ),
  'stream-push': fc.record({ type: fc.constant('stream-push' as const), id, entries: bytes, timeoutMs }),
  'stream-check': fc.record({ type: fc.constant('stream-check' as const), id, entries: bytes, timeoutMs }),
  'range-stats': fc.record({ type: fc.constant('range-stats' as const), id, ranges: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 5 }).map((xs) => Uint8Array.from(xs.flatMap((x) => [...x]))), timeoutMs }),
  'range-stats-ok': fc.record({ type: fc.constant('range-stats-ok' as const), id, counts: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 5 }).map((xs) => Uint8Array.from(xs.flatMap((x) => [...x]))) }),
  relay: fc.record({ type: fc.constant('relay' as const), id, entries: bytes, timeoutMs }),
  'relay-ok': fc.record({ type: fc.constant('relay-ok' as const), id, outcomes: bytes }),
  'peer-batch': fc.constant(undefined as never),
  'peer-error': fc.record(
    { type: fc.constant('peer-error' as const), id, code: fc.constantFrom('timeout' as const, 'unavailable' as const, 'internal' as const), message: fc.string({ maxLength: 80 }) },
    { requiredKeys: ['type', 'code', 'message'] },
  ),
};

arbs['peer-batch'] = fc.oneof(
  fc.array(fc.oneof(arbs.apply, arbs.fetch, arbs.forward), { minLength: 1, maxLength: 8 }),
  fc.array(fc.oneof(arbs['apply-ok'], arbs['fetch-ok'], arbs['forward-ok'], fc.record({ type: fc.constant('peer-error' as const), id, code: fc.constant('timeout' as const), message: fc.string({ maxLength: 40 }) })), { minLength: 1, maxLength: 8 }),
).map((messages) => ({ type: 'peer-batch', messages }) as PeerMessage);

function decodeOk(frame: Uint8Array): PeerMessage {
  const result = codec.decode(frame);
  if (!result.ok) throw result.error;
  return result.message;
}

describe('PeerCodec round trip', () => {
  for (const type of peerMessageTypes) {
    it(`decode(encode(m)) equals m for every ${type} message`, () => {
      fc.assert(
        fc.property(arbs[type], (message) => {
          expect(normalize(decodeOk(codec.encode(message))), seedNote(seed)).toEqual(normalize(message));
        }),
        { seed, numRuns: 60 },
      );
    });
  }
});

describe('PeerCodec refusals', () => {
  it('refuses a client-kind frame, and a client codec refuses a peer frame', () => {
    const client = new WireCodec();
    const clientFrame = client.encode({ type: 'get', id: 1, key: 'a' });
    const asPeer = codec.decode(clientFrame);
    expect(asPeer.ok).toBe(false);
    if (!asPeer.ok) expect(asPeer.error.code).toBe('unknown-type');
    const asClient = client.decode(codec.encode({ type: 'apply-ok', id: 1 }));
    expect(asClient.ok).toBe(false);
  });

  it('refuses a call without a timeout, so every call carries a deadline', () => {
    const result = codec.decode(raw.pack({ v: 1, k: 1, type: 'fetch', id: 3, key: 'k' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid-message');
  });

  it('refuses a key over keyBytesMax with key-too-large', () => {
    const small = new PeerCodec({ limits: { keyBytesMax: 8 } });
    const result = small.decode(raw.pack({ v: 1, k: 1, type: 'fetch', id: 3, key: 'k'.repeat(9), timeoutMs: 10 }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('key-too-large');
  });

  it('refuses a frame over frameBytesMax before decoding, and encode refuses to build one', () => {
    const small = new PeerCodec({ limits: { frameBytesMax: 1024, valueBytesMax: 512 } });
    const big = raw.pack({ v: 1, k: 1, type: 'apply', id: 1, key: 'k', set: new Uint8Array(2000), timeoutMs: 5 });
    const result = small.decode(big);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('frame-too-large');
    expect(() => small.encode({ type: 'apply', id: 1, key: 'k', set: new Uint8Array(2000), timeoutMs: 5 })).toThrow(/frame-too-large|1024/);
  });

  it('refuses an apply whose hintStampMs is not a non-negative integer', () => {
    for (const hintStampMs of [-1, 1.5, 'soon']) {
      const result = codec.decode(raw.pack({ v: 1, k: 1, type: 'apply', id: 1, key: 'k', set: new Uint8Array(3), hintFor: 'n2', hintStampMs, timeoutMs: 5 }));
      expect(result.ok, String(hintStampMs)).toBe(false);
    }
  });

  it('refuses truncated frames and unknown types without throwing', () => {
    const frame = codec.encode({ type: 'apply', id: 1, key: 'k', set: new Uint8Array(10), timeoutMs: 5 });
    expect(codec.decode(frame.subarray(0, frame.length - 3)).ok).toBe(false);
    const unknown = codec.decode(raw.pack({ v: 1, k: 1, type: 'steal', id: 1 }));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('unknown-type');
  });

  it('maps an unknown error code to internal, keeping the original in the message', () => {
    const message = decodeOk(raw.pack({ v: 1, k: 1, type: 'peer-error', id: 2, code: 'gremlins', message: 'oops' }));
    expect(message).toEqual({ type: 'peer-error', id: 2, code: 'internal', message: '[gremlins] oops' });
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(() => codec.decode(bytes), seedNote(seed)).not.toThrow();
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('anti-entropy peer messages', () => {
  it('refuses indices that are not whole u32 values, and a depth deeper than the tree', () => {
    const base = { v: 1, k: 1, type: 'tree-nodes', id: 1, group: 'a,b', bucketsLog2: 4, depth: 2, indices: new Uint8Array(8), timeoutMs: 100 };
    expect(codec.decode(raw.pack(base)).ok).toBe(true);
    const ragged = codec.decode(raw.pack({ ...base, indices: new Uint8Array(6) }));
    expect(ragged.ok || ragged.error.code).toBe('invalid-message');
    expect(codec.decode(raw.pack({ ...base, depth: 5 })).ok).toBe(false);
    expect(codec.decode(raw.pack({ ...base, bucketsLog2: 21 })).ok).toBe(false);
  });

  it('refuses more than treeIndicesMax buckets in one range-sets call', () => {
    const base = { v: 1, k: 1, type: 'range-sets', id: 1, group: 'a,b', bucketsLog2: 20, bytesMax: 1000, timeoutMs: 100 };
    expect(codec.decode(raw.pack({ ...base, buckets: new Uint8Array(65_536 * 4) })).ok).toBe(true);
    const over = codec.decode(raw.pack({ ...base, buckets: new Uint8Array(65_537 * 4) }));
    expect(over.ok || over.error.code).toBe('limit-exceeded');
  });
});

describe('topology peer messages', () => {
  it('refuses a ring position that is not exactly 8 bytes, and ranges that are not 16 bytes each', () => {
    const base = { v: 1, k: 1, type: 'stream-range', id: 1, start: new Uint8Array(8), end: new Uint8Array(8), bytesMax: 1000, timeoutMs: 100 };
    expect(codec.decode(raw.pack(base)).ok).toBe(true);
    expect(codec.decode(raw.pack({ ...base, start: new Uint8Array(7) })).ok).toBe(false);
    expect(codec.decode(raw.pack({ ...base, end: new Uint8Array(9) })).ok).toBe(false);
    const stats = { v: 1, k: 1, type: 'range-stats', id: 1, ranges: new Uint8Array(32), timeoutMs: 100 };
    expect(codec.decode(raw.pack(stats)).ok).toBe(true);
    expect(codec.decode(raw.pack({ ...stats, ranges: new Uint8Array(20) })).ok).toBe(false);
  });
});

describe('cluster additions to the client protocol', () => {
  const client = new WireCodec();
  const member = { id: 'a', url: 'ws://a:1', vnodes: 64, weight: 1, zone: '', status: 'normal' };

  it('refuses a ring-ok member with an unknown status or a weight out of range', () => {
    const bad = (m: Record<string, unknown>) => client.decode(raw.pack({ v: 1, k: 0, type: 'ring-ok', id: 1, version: 1, n: 3, members: [{ ...member, ...m }] }));
    expect(bad({}).ok).toBe(true);
    expect(bad({ status: 'gone' }).ok).toBe(false);
    expect(bad({ weight: 0 }).ok).toBe(false);
    expect(bad({ weight: 65 }).ok).toBe(false);
    expect(bad({ vnodes: 0 }).ok).toBe(false);
  });

  it('refuses a receipt listing more replicas than receiptReplicasMax, and drops unknown receipt fields', () => {
    const receipt = { coordinator: 'a', forwarded: false, op: 'put', n: 3, w: 2, mode: 'sloppy', replicas: [], siblingsReconciled: 0, readRepair: [], localHints: [], elapsedMs: 1 };
    const ok = client.decode(raw.pack({ v: 1, k: 0, type: 'put-ok', id: 1, context: new Uint8Array(1), receipt: { ...receipt, extra: 1 } }));
    expect(ok.ok && ok.message.type === 'put-ok' && ok.message.receipt).toEqual(receipt);
    const many = Array.from({ length: 129 }, () => ({ node: 'a', role: 'primary', outcome: 'ack' }));
    expect(client.decode(raw.pack({ v: 1, k: 0, type: 'put-ok', id: 1, context: new Uint8Array(1), receipt: { ...receipt, replicas: many } })).ok).toBe(false);
  });
});
