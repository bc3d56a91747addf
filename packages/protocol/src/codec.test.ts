import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { messageArb, messageArbs, normalize } from '../test/arbitraries.js';
import { WireCodec } from './codec.js';
import { isClientRequest, isNodePush, isNodeReply, messageTypes, type Message } from './messages.js';

const codec = new WireCodec();
const seed = testSeed(0x5eed_0001);

function roundTrip(message: Message): Message {
  const result = codec.decode(codec.encode(message));
  if (!result.ok) throw result.error;
  return result.message;
}

// A raw Packr, so tests can build frames the encoder would refuse.
const rawPackr = new Packr({ useRecords: false });
const rawUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

function frameOf(map: Record<string, unknown>): Uint8Array {
  return rawPackr.pack(map);
}

describe('WireCodec round trip', () => {
  for (const type of messageTypes) {
    it(`decode(encode(m)) equals m for every ${type} message`, () => {
      fc.assert(
        fc.property(messageArbs[type], (message) => {
          expect(normalize(roundTrip(message)), seedNote(seed)).toEqual(normalize(message));
        }),
        { seed, numRuns: 150 },
      );
    });
  }

  it('encodes a frame that holds exactly the envelope keys and the message fields', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const decoded = rawUnpackr.unpack(codec.encode(message)) as Record<string, unknown>;
        expect(decoded['v'], seedNote(seed)).toBe(1);
        expect(decoded['k'], seedNote(seed)).toBe(0);
        expect(Object.keys(decoded).sort(), seedNote(seed)).toEqual(['k', 'v', ...Object.keys(message)].sort());
      }),
      { seed, numRuns: 100 },
    );
  });
});

describe('WireCodec.decode refusals', () => {
  it('answers a frame of another frame version with unsupported-version and close 1002', () => {
    const result = codec.decode(frameOf({ v: 2, k: 0, type: 'get', id: 1, key: 'a' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('unsupported-version');
    expect(result.error.closeCode).toBe(1002);
  });

  it('refuses peer-kind frames as unknown-type without closing', () => {
    const result = codec.decode(frameOf({ v: 1, k: 1, type: 'gossip' }));
    expect(result.ok ? undefined : result.error.code).toBe('unknown-type');
    expect(result.ok ? 0 : result.error.closeCode).toBeUndefined();
  });

  it('reports an unknown type with the request id so the node can answer it', () => {
    const result = codec.decode(frameOf({ v: 1, k: 0, type: 'list-everything', id: 99 }));
    expect(result.ok ? undefined : [result.error.code, result.error.requestId]).toEqual(['unknown-type', 99]);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('treats type %j as unknown, not as a prototype member', (type) => {
    const result = codec.decode(frameOf({ v: 1, k: 0, type, id: 1 }));
    expect(result.ok ? undefined : result.error.code).toBe('unknown-type');
  });

  it('does not take a field from the prototype when the frame lacks it', () => {
    // `constructor` and `toString` exist on every object's prototype; a frame without `key` must still fail.
    const result = codec.decode(frameOf({ v: 1, k: 0, type: 'get', id: 3 }));
    expect(result.ok ? undefined : [result.error.code, result.error.requestId]).toEqual(['invalid-message', 3]);
  });

  it('never lets a __proto__ key in a frame reach Object.prototype', () => {
    const before = Object.keys(Object.prototype);
    const frame = frameOf({ v: 1, k: 0, type: 'get', id: 1, key: 'a', ['__proto__']: { polluted: true } });
    const nested = frameOf({ v: 1, k: 0, type: 'get', id: 1, key: 'a', options: JSON.parse('{"__proto__":{"polluted":true}}') });
    const results = [codec.decode(frame), codec.decode(nested)];
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual(before);
    for (const r of results) if (r.ok) expect(Object.getPrototypeOf(r.message)).toBe(Object.prototype);
  });

  it('rejects wrong field types with invalid-message and the request id', () => {
    const cases: Array<Record<string, unknown>> = [
      { type: 'get', id: 5, key: 12 },
      { type: 'get', id: 5, key: 'a', options: { r: 0 } },
      { type: 'get', id: 5, key: 'a', options: { r: 'most' } },
      { type: 'get', id: 5, key: 'a', options: { r: 'local_quorum' } },
      { type: 'put', id: 5, key: 'a', value: new Uint8Array(1), options: { w: 'LOCAL-QUORUM' } },
      { type: 'ring-ok', id: 5, version: 1, n: 3, replicas: { dc1: 0 }, members: [] },
      { type: 'ring-ok', id: 5, version: 1, n: 3, members: [{ id: 'a', url: 'ws://a', vnodes: 1, weight: 1, zone: '', dc: 7, status: 'normal' }] },
      { type: 'get', id: 5, key: 'a', options: { timeoutMs: 1.5 } },
      { type: 'get', id: 5, key: 'a', options: { receipt: 1 } },
      { type: 'put', id: 5, key: 'a', value: 'not bytes' },
      { type: 'put', id: 5, key: 'a', value: new Uint8Array(1), valueEncoding: 'json' },
      { type: 'delete', id: 5, key: 'a', context: [1, 2] },
      { type: 'batch', id: 5, ops: [] },
      { type: 'batch', id: 5, ops: [{ type: 'scan', key: 'a' }] },
      { type: 'get-ok', id: 5, found: true, siblings: [{ tombstone: true }], context: new Uint8Array(0) },
      { type: 'get-ok', id: 5, found: false, siblings: [{ tombstone: true, value: new Uint8Array(1) }], context: new Uint8Array(0) },
      { type: 'put-ok', id: 5 },
    ];
    for (const body of cases) {
      const result = codec.decode(frameOf({ v: 1, k: 0, ...body }));
      expect(result.ok ? undefined : [result.error.code, result.error.requestId], JSON.stringify(body)).toEqual(['invalid-message', 5]);
    }
  });

  it('accepts every named consistency level for r and w', () => {
    for (const level of ['one', 'local-one', 'quorum', 'local-quorum', 'each-quorum', 'all']) {
      const result = codec.decode(frameOf({ v: 1, k: 0, type: 'get', id: 5, key: 'a', options: { r: level, w: level } }));
      expect(result.ok ? result.message : result.error.message).toEqual({ type: 'get', id: 5, key: 'a', options: { r: level, w: level } });
    }
  });

  it('rejects request ids that are not uint32 integers', () => {
    for (const id of [-1, 2 ** 32, 1.5, Number.NaN, Infinity, '1', 2n ** 63n]) {
      const result = codec.decode(frameOf({ v: 1, k: 0, type: 'get', id, key: 'a' }));
      expect(result.ok ? undefined : result.error.code, String(id)).toBe('invalid-message');
    }
  });

  it('maps an error code it does not know to internal and keeps the original in the message', () => {
    const result = codec.decode(frameOf({ v: 1, k: 0, type: 'error', id: 4, code: 'overloaded', message: 'busy' }));
    expect(result.ok ? result.message : undefined).toEqual({ type: 'error', id: 4, code: 'internal', message: '[overloaded] busy' });
  });

  it('drops fields it does not know, so newer peers may add optional ones', () => {
    const result = codec.decode(frameOf({ v: 1, k: 0, type: 'get', id: 1, key: 'a', hint: 'x', options: { speculative: true } }));
    expect(result.ok ? result.message : undefined).toEqual({ type: 'get', id: 1, key: 'a', options: {} });
  });
});

describe('WireCodec.encode', () => {
  it('throws a ProtocolError for a message the decoder would refuse', () => {
    const bad = { type: 'get', id: -1, key: 'a' } as unknown as Message;
    expect(() => codec.encode(bad)).toThrow(expect.objectContaining({ name: 'ProtocolError', code: 'invalid-message' }));
    const unknown = { type: 'list-everything', id: 1 } as unknown as Message;
    expect(() => codec.encode(unknown)).toThrow(expect.objectContaining({ code: 'unknown-type' }));
  });
});

describe('WireCodec values', () => {
  const valueArb = fc.jsonValue().map((v) => v as unknown);
  it('unpackValue(packValue(v)) equals v for JSON-like values, bytes, dates, bigints and maps', () => {
    const extra = fc.oneof(
      fc.uint8Array({ maxLength: 50 }),
      fc.date({ noInvalidDate: true }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).filter((b) => b > 2n ** 53n || b < -(2n ** 53n)),
      fc.array(fc.tuple(fc.integer(), fc.string()), { minLength: 1, maxLength: 4 }).map((entries) => new Map<unknown, unknown>(entries)),
      fc.double(),
    );
    fc.assert(
      fc.property(fc.oneof(valueArb, extra, fc.array(extra, { maxLength: 4 })), (value) => {
        const packed = codec.packValue(value);
        const result = codec.unpackValue(packed.value, packed.valueEncoding);
        expect(result.ok, seedNote(seed)).toBe(true);
        if (result.ok) expect(normalize(result.value), seedNote(seed)).toEqual(normalize(value));
      }),
      { seed, numRuns: 300 },
    );
  });

  it('returns raw bytes unchanged and marks only non-bytes values as msgpack', () => {
    const raw = new Uint8Array([1, 2, 3]);
    expect(codec.packValue(raw)).toEqual({ value: raw });
    expect(codec.packValue('x').valueEncoding).toBe('msgpack');
    const back = codec.unpackValue(raw);
    expect(back.ok && back.value).toBe(raw);
  });

  it('decodes string-keyed maps as plain objects where __proto__ and constructor are own data keys', () => {
    const value = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"a":1}') as unknown;
    const result = codec.unpackValue(codec.packValue(value).value, 'msgpack');
    expect(result.ok).toBe(true);
    const decoded = (result.ok ? result.value : {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'constructor', 'a']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(Object.getPrototypeOf(decoded['__proto__'])).toBe(Object.prototype);
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(value));
  });

  it('bounds the value, not its encoding: a string of exactly valueBytesMax UTF-8 bytes is sent and read back', () => {
    const max = codec.limits.valueBytesMax;
    const packed = codec.packValue('x'.repeat(max));
    expect(packed.value.byteLength).toBeGreaterThan(max);
    const frame = codec.encode({ type: 'put', id: 1, key: 'k', ...packed });
    const decoded = codec.decode(frame);
    expect(decoded.ok).toBe(true);
    const back = codec.unpackValue(packed.value, 'msgpack');
    expect(back.ok && (back.value as string).length).toBe(max);
    expect(() => codec.packValue('x'.repeat(max + 1))).toThrow(expect.objectContaining({ code: 'value-too-large' }));
    expect(() => codec.packValue(new Uint8Array(max + 1))).toThrow(expect.objectContaining({ code: 'value-too-large' }));
  });

  it('refuses an empty key and a key with a lone surrogate, both ways', () => {
    for (const key of ['', new Uint8Array(0), 'a\ud800', '\udc00b']) {
      expect(() => codec.encode({ type: 'get', id: 1, key }), JSON.stringify(key)).toThrow(expect.objectContaining({ code: 'invalid-message' }));
    }
    const raw = new Packr({ useRecords: false }).pack({ v: 1, k: 0, type: 'get', id: 7, key: '' });
    const refused = codec.decode(raw);
    expect(refused.ok ? undefined : refused.error.code).toBe('invalid-message');
    expect(codec.encode({ type: 'get', id: 1, key: '😀' })).toBeInstanceOf(Uint8Array);
  });

  it('keeps maps with non-string keys as Map', () => {
    const value = new Map<unknown, unknown>([[1, 'one'], ['two', 2]]);
    const result = codec.unpackValue(codec.packValue(value).value, 'msgpack');
    expect(result.ok && result.value).toEqual(value);
  });

  it('refuses values msgpack cannot carry portably instead of sending an extension', () => {
    class Point {
      x = 1;
    }
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const value of [new Set([1]), new Float64Array(2), new Error('x'), /re/, new Point(), () => 1, Symbol('s'), cyclic, 2n ** 64n]) {
      expect(() => codec.packValue(value), String(value)).toThrow(expect.objectContaining({ code: 'invalid-message' }));
    }
  });
});

describe('WireCodec.checkValue and ArrayBuffer frames', () => {
  it('finds garbage msgpack values without decoding them, and accepts any raw bytes', () => {
    const garbage = Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]);
    expect(codec.checkValue(garbage, 'msgpack')?.code).toBe('invalid-message');
    expect(codec.checkValue(garbage)).toBeUndefined();
    expect(codec.checkValue(codec.packValue({ a: [1, 2] }).value, 'msgpack')).toBeUndefined();
    expect(codec.checkValue(new Uint8Array(codec.limits.valueBytesMax + 1))?.code).toBe('value-too-large');
  });

  it('decodes a frame delivered as an ArrayBuffer, as browsers deliver them', () => {
    const frame = codec.encode({ type: 'get', id: 1, key: 'k' });
    const buffer = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer;
    expect(codec.decode(buffer)).toMatchObject({ ok: true, message: { type: 'get', id: 1, key: 'k' } });
  });
});

describe('message guards', () => {
  it('classify every type as exactly one of request, reply, push or handshake', () => {
    const handshake = new Set(['hello', 'hello-ok']);
    fc.assert(
      fc.property(messageArb, (m) => {
        const kinds = [isClientRequest(m), isNodeReply(m), isNodePush(m), handshake.has(m.type)].filter(Boolean);
        expect(kinds.length, `${m.type} ${seedNote(seed)}`).toBe(1);
        if (isClientRequest(m)) expect(typeof m.id).toBe('number');
      }),
      { seed, numRuns: 200 },
    );
  });
});
