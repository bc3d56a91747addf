// Every limit is enforced exactly at its boundary: the bound itself is accepted, one more is refused.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { WireCodec, defaultLimits, type DecodeResult, type Message } from '@ringkv/protocol';

const codec = new WireCodec();
const rawPackr = new Packr({ useRecords: false });
const frame = (body: Record<string, unknown>): Uint8Array => rawPackr.pack({ v: 1, k: 0, ...body });

function refusal(result: DecodeResult): [string, number | undefined, number | undefined] | 'accepted' {
  return result.ok ? 'accepted' : [result.error.code, result.error.requestId, result.error.closeCode];
}

/** Decodes a raw frame and encodes the same message: both must agree. */
function both(c: WireCodec, body: Record<string, unknown>): { decoded: ReturnType<typeof refusal>; encodeError: string | undefined } {
  const decoded = refusal(c.decode(frame(body)));
  let encodeError: string | undefined;
  try {
    c.encode(body as unknown as Message);
  } catch (error) {
    encodeError = (error as { code: string }).code;
  }
  return { decoded, encodeError };
}

describe('key limit (1 KiB)', () => {
  it.each([
    ['ASCII string', 'k'.repeat(1024), 'k'.repeat(1025)],
    ['2-byte UTF-8 string', 'é'.repeat(512), `${'é'.repeat(512)}a`],
    ['4-byte UTF-8 string', '😀'.repeat(256), `${'😀'.repeat(256)}a`],
    ['bytes', new Uint8Array(1024), new Uint8Array(1025)],
  ])('accepts a %s key of exactly 1024 encoded bytes and refuses 1025', (_name, fits, tooLong) => {
    expect(both(codec, { type: 'get', id: 7, key: fits })).toEqual({ decoded: 'accepted', encodeError: undefined });
    expect(both(codec, { type: 'get', id: 7, key: tooLong })).toEqual({
      decoded: ['key-too-large', 7, undefined],
      encodeError: 'key-too-large',
    });
  });

  it('applies to every op of a batch', () => {
    const ops = [{ type: 'get', key: 'a' }, { type: 'delete', key: 'b'.repeat(1025) }];
    expect(both(codec, { type: 'batch', id: 2, ops }).decoded).toEqual(['key-too-large', 2, undefined]);
  });
});

describe('value limit', () => {
  it('accepts a value of exactly valueBytesMax (1 MiB by default) and refuses one byte more', () => {
    const at = new Uint8Array(defaultLimits.valueBytesMax);
    const over = new Uint8Array(defaultLimits.valueBytesMax + 1);
    expect(both(codec, { type: 'put', id: 1, key: 'k', value: at })).toEqual({ decoded: 'accepted', encodeError: undefined });
    expect(both(codec, { type: 'put', id: 1, key: 'k', value: over })).toEqual({
      decoded: ['value-too-large', 1, undefined],
      encodeError: 'value-too-large',
    });
    expect(() => codec.packValue(over)).toThrow(expect.objectContaining({ code: 'value-too-large' }));
  });

  it('is configurable per codec instance, for raw and MessagePack values alike', () => {
    const small = new WireCodec({ limits: { valueBytesMax: 100 } });
    expect(both(small, { type: 'put', id: 1, key: 'k', value: new Uint8Array(100) }).decoded).toBe('accepted');
    expect(both(small, { type: 'put', id: 1, key: 'k', value: new Uint8Array(101) }).decoded).toEqual(['value-too-large', 1, undefined]);
    // The bound is on the value: a 100-character string packs into 102 bytes (str8 header + length + 100) and fits.
    expect(small.packValue('s'.repeat(100)).value.byteLength).toBe(102);
    expect(both(small, { type: 'put', id: 1, key: 'k', ...small.packValue('s'.repeat(100)) }).decoded).toBe('accepted');
    expect(() => small.packValue('s'.repeat(101))).toThrow(expect.objectContaining({ code: 'value-too-large' }));
    expect(refusal(small.decode(frame({ type: 'get-ok', id: 3, found: true, siblings: [{ value: new Uint8Array(101) }], context: new Uint8Array(0) })))).toEqual(
      ['value-too-large', 3, undefined],
    );
  });
});

describe('context limit (16 KiB)', () => {
  it('accepts contextBytesMax bytes and refuses one more, in requests and replies', () => {
    const at = new Uint8Array(defaultLimits.contextBytesMax);
    const over = new Uint8Array(defaultLimits.contextBytesMax + 1);
    expect(both(codec, { type: 'delete', id: 4, key: 'k', context: at }).decoded).toBe('accepted');
    expect(both(codec, { type: 'delete', id: 4, key: 'k', context: over })).toEqual({
      decoded: ['context-too-large', 4, undefined],
      encodeError: 'context-too-large',
    });
    expect(both(codec, { type: 'put-ok', id: 4, context: over }).decoded).toEqual(['context-too-large', 4, undefined]);
  });
});

describe('count limits', () => {
  it('accepts batchOpsMax operations and refuses one more', () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'get', key: `k${i}` }));
    expect(both(codec, { type: 'batch', id: 9, ops: ops(defaultLimits.batchOpsMax) }).decoded).toBe('accepted');
    expect(both(codec, { type: 'batch', id: 9, ops: ops(defaultLimits.batchOpsMax + 1) })).toEqual({
      decoded: ['invalid-message', 9, undefined],
      encodeError: 'invalid-message',
    });
  });

  it('accepts siblingsMax siblings and refuses one more', () => {
    const reply = (n: number) => ({ type: 'get-ok', id: 5, found: false, siblings: Array.from({ length: n }, () => ({ tombstone: true })), context: new Uint8Array(1) });
    expect(both(codec, reply(defaultLimits.siblingsMax)).decoded).toBe('accepted');
    expect(both(codec, reply(defaultLimits.siblingsMax + 1)).decoded).toEqual(['invalid-message', 5, undefined]);
  });
});

describe('frame limit', () => {
  it('accepts a frame of exactly frameBytesMax bytes and refuses one byte more, before decoding', () => {
    const body = { type: 'put', id: 1, key: 'k', value: new Uint8Array(500) };
    const size = frame(body).byteLength;
    const exact = new WireCodec({ limits: { frameBytesMax: size, valueBytesMax: 500, keyBytesMax: 16 } });
    const under = new WireCodec({ limits: { frameBytesMax: size - 1, valueBytesMax: 500, keyBytesMax: 16 } });
    expect(refusal(exact.decode(frame(body)))).toBe('accepted');
    expect(refusal(under.decode(frame(body)))).toEqual(['frame-too-large', undefined, 1009]);
    // Refused before decoding: even bytes that are not MessagePack get frame-too-large.
    expect(refusal(under.decode(new Uint8Array(size).fill(0xc1)))).toEqual(['frame-too-large', undefined, 1009]);
  });

  it('makes encode throw frame-too-large rather than produce a frame the peer refuses', () => {
    const encoded = codec.encode({ type: 'put', id: 1, key: 'k', value: new Uint8Array(500) });
    const under = new WireCodec({ limits: { frameBytesMax: encoded.byteLength - 1, valueBytesMax: 500, keyBytesMax: 16 } });
    expect(() => under.encode({ type: 'put', id: 1, key: 'k', value: new Uint8Array(500) })).toThrow(
      expect.objectContaining({ code: 'frame-too-large', requestId: 1 }),
    );
  });
});

describe('integer and string field ranges', () => {
  it.each([
    ['id', { type: 'get', key: 'k' }, 'id', 0xffff_ffff, 0x1_0000_0000],
    ['timeoutMs', { type: 'get', id: 1, key: 'k' }, 'options.timeoutMs', 600_000, 600_001],
    ['r', { type: 'get', id: 1, key: 'k' }, 'options.r', 64, 65],
    ['protocolVersion', { type: 'hello', clientName: 'c' }, 'protocolVersion', 0xffff, 0x1_0000],
  ])('accepts the largest %s and refuses the next integer', (_name, base, path, max, over) => {
    const withField = (value: number): Record<string, unknown> =>
      path.startsWith('options.') ? { ...base, options: { [path.slice(8)]: value } } : { ...base, [path]: value };
    expect(both(codec, withField(max)).decoded).toBe('accepted');
    expect(both(codec, withField(over)).encodeError).toBe('invalid-message');
    expect((both(codec, withField(over)).decoded as string[])[0]).toBe('invalid-message');
  });

  it('accepts a 256-byte client name and a 4096-byte auth token, and refuses one byte more', () => {
    const hello = (clientName: string, authToken: string) => ({ type: 'hello', protocolVersion: 1, clientName, authToken });
    expect(both(codec, hello('n'.repeat(256), 't'.repeat(4096))).decoded).toBe('accepted');
    expect(both(codec, hello('n'.repeat(257), 't')).encodeError).toBe('invalid-message');
    expect(both(codec, hello('n', 't'.repeat(4097))).encodeError).toBe('invalid-message');
  });
});

describe('value structure limits', () => {
  const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);

  it('unpacks a value nested valueDepthMax deep and refuses one level more', () => {
    const raw = new Packr({ useRecords: false });
    const ok = codec.unpackValue(raw.pack(nested(defaultLimits.valueDepthMax)), 'msgpack');
    const deep = codec.unpackValue(raw.pack(nested(defaultLimits.valueDepthMax + 1)), 'msgpack');
    expect(ok.ok).toBe(true);
    expect(deep.ok ? 'accepted' : deep.error.code).toBe('invalid-message');
    expect(() => codec.packValue(nested(defaultLimits.valueDepthMax + 1))).toThrow(expect.objectContaining({ code: 'invalid-message' }));
  });

  it('unpacks valueContainersMax containers and refuses one more', () => {
    const c = new WireCodec({ limits: { valueContainersMax: 10 } });
    const raw = new Packr({ useRecords: false });
    // The outer array counts as one container.
    expect(c.unpackValue(raw.pack(Array.from({ length: 9 }, () => [])), 'msgpack').ok).toBe(true);
    expect(c.unpackValue(raw.pack(Array.from({ length: 10 }, () => [])), 'msgpack').ok).toBe(false);
  });

  it('refuses an envelope nested deeper than the protocol allows with limit-exceeded and close 1009', () => {
    let options: unknown = 1;
    for (let i = 0; i < 10; i++) options = { x: options };
    expect(refusal(codec.decode(frame({ type: 'get', id: 1, key: 'k', options })))).toEqual(['limit-exceeded', undefined, 1009]);
  });
});
