// The one-pass decoder of the common frames (hot-decode.ts) against the full path (scan, msgpackr,
// validate.ts): on every frame, valid or mutated, both codecs must give the same message or the
// same typed error (hot-decode invariant 1; refusals always come from the full path).
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WireCodec, type DecodeResult, type Message, type ProtocolLimits } from '@ringkv/protocol';
import { messageArbs, normalize } from './arbitraries.js';

const seed = testSeed(0x407d);
const rawPackr = new Packr({ useRecords: false });

const hotTypes = ['get', 'put', 'delete', 'batch', 'get-ok', 'put-ok', 'delete-ok', 'batch-ok'] as const;

/** Hot messages, and others, each encoded by the codec and again with its fields in a shuffled order. */
function frames(rng: Rng, runs: number): Uint8Array[] {
  const codec = new WireCodec();
  const out: Uint8Array[] = [];
  for (const type of [...hotTypes, 'error', 'ring-ok', 'hello'] as const) {
    for (const m of fc.sample(messageArbs[type], { seed: seed + type.length, numRuns: runs })) {
      out.push(codec.encode(m));
      const entries = Object.entries({ v: 1, k: 0, ...m });
      for (let i = entries.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
      }
      out.push(rawPackr.pack(Object.fromEntries(entries)));
    }
  }
  return out;
}

/** Hot frames at the edges of tight limits: ASCII keys and values (raw and msgpack, whose header does not count) of lengths around the bounds. */
function edgeFrames(rng: Rng): Uint8Array[] {
  const codec = new WireCodec({ limits: { frameBytesMax: 1 << 20 } });
  const out: Uint8Array[] = [];
  const ascii = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(0x20 + rng.int(95))).join('');
  for (let n = 1; n <= 40; n++) {
    const key = ascii(rng.pick([n, 1 + rng.int(10)]));
    const value = Uint8Array.from(rng.bytes(n));
    // A msgpack value whose first byte is a header (fixstr, bin8, str8, fixarray) or not.
    const msgpack = Uint8Array.from([rng.pick([0xa0 | (n & 0x1f), 0xc4, 0xd9, 0x90 | (n & 0x0f), 0x01]), ...rng.bytes(n)]);
    out.push(codec.encode({ type: 'get', id: n, key }));
    out.push(codec.encode({ type: 'put', id: n, key, value, context: value }));
    out.push(codec.encode({ type: 'put', id: n, key, value: msgpack, valueEncoding: 'msgpack' }));
    out.push(codec.encode({ type: 'batch', id: n, ops: Array.from({ length: 1 + (n % 5) }, () => ({ type: 'put' as const, key, value: msgpack, valueEncoding: 'msgpack' as const })) }));
    const siblings = Array.from({ length: n % 4 }, () => ({ value: msgpack, valueEncoding: 'msgpack' as const }));
    out.push(codec.encode({ type: 'get-ok', id: n, found: siblings.length > 0, siblings, context: value }));
    out.push(codec.encode({ type: 'batch-ok', id: n, results: Array.from({ length: n % 5 }, () => ({ type: 'put-ok' as const, context: value })) }));
  }
  // A nested map without a field the map before it had: the reused record still holds the old one.
  const ctx = Uint8Array.of(1);
  const envelope = (body: Record<string, unknown>): Uint8Array => rawPackr.pack({ v: 1, k: 0, ...body });
  out.push(envelope({ type: 'batch-ok', id: 1, results: [{ type: 'put-ok', context: ctx }, { context: ctx }] }));
  out.push(envelope({ type: 'batch-ok', id: 1, results: [{ type: 'put-ok', context: ctx }, { type: 'put-ok' }] }));
  out.push(envelope({ type: 'batch', id: 1, ops: [{ type: 'get', key: 'a' }, { key: 'b' }] }));
  out.push(envelope({ type: 'batch', id: 1, ops: [{ type: 'put', key: 'a', value: ctx }, { type: 'put', key: 'b' }] }));
  out.push(envelope({ type: 'get-ok', id: 1, found: true, siblings: [{ value: ctx }, { valueEncoding: 'msgpack' }], context: ctx }));
  out.push(envelope({ type: 'get-ok', id: 1, found: true, siblings: [{ tombstone: true }, { tombstone: false }], context: ctx }));
  return out;
}

function mutate(rng: Rng, frame: Uint8Array): Uint8Array {
  const base = Uint8Array.from(frame);
  switch (rng.int(6)) {
    case 0:
      return base.subarray(0, rng.int(base.length));
    case 1:
      for (let f = 0; f < 1 + rng.int(3); f++) base[rng.int(base.length)] = rng.int(256);
      return base;
    case 2: {
      // A byte nudged by one: lengths off by one, neighbouring type bytes, fixint edges.
      const at = rng.int(base.length);
      base[at] = ((base[at] as number) + (rng.int(2) === 0 ? 1 : 255)) & 0xff;
      return base;
    }
    case 3:
      return Uint8Array.from([...base, ...rng.bytes(1 + rng.int(4))]);
    case 4: {
      // A boolean turned (found, tombstone): the checks between fields, not only their types.
      const bools = [...base.keys()].filter((i) => base[i] === 0xc2 || base[i] === 0xc3);
      if (bools.length > 0) {
        const at = rng.pick(bools);
        base[at] = (base[at] as number) ^ 1;
      }
      return base;
    }
    default: {
      const at = rng.int(base.length);
      return Uint8Array.from([...base.subarray(0, at), ...rng.bytes(1 + rng.int(3)), ...base.subarray(at)]);
    }
  }
}

function outcome(result: DecodeResult): unknown {
  return result.ok ? { ok: true, message: normalize(result.message) } : { ok: false, code: result.error.code, message: result.error.message, requestId: result.error.requestId };
}

function expectSame(hot: WireCodec, full: WireCodec, frame: Uint8Array, label: string): void {
  const a = outcome(hot.decode(frame));
  const b = outcome(full.decode(frame));
  if (JSON.stringify(a, bytesAsArrays) !== JSON.stringify(b, bytesAsArrays)) {
    expect.fail(`${label}: hot ${JSON.stringify(a, bytesAsArrays)} ≠ full ${JSON.stringify(b, bytesAsArrays)} for ${Buffer.from(frame).toString('hex')} ${seedNote(seed)}`);
  }
  // Byte for byte and shape for shape, not only as JSON.
  expect(a).toStrictEqual(b);
}

function bytesAsArrays(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { bytes: Array.from(value) } : value;
}

describe('the hot decoder', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the full path’s message for every valid frame, in any field order', () => {
    const rng = new Rng(seed);
    const hot = new WireCodec();
    const full = new WireCodec({ hotPath: false });
    for (const frame of frames(rng, 60)) expectSame(hot, full, frame, 'valid');
  });

  it('gives the full path’s message or error for mutated frames', () => {
    const rng = new Rng(seed + 1);
    const hot = new WireCodec();
    const full = new WireCodec({ hotPath: false });
    const base = frames(rng, 30);
    for (let i = 0; i < 6000; i++) expectSame(hot, full, mutate(rng, rng.pick(base)), `mutation ${i}`);
  });

  it('agrees with the full path at tight limits (values, contexts, keys, batches and siblings at and past their bounds)', () => {
    const rng = new Rng(seed + 2);
    const limits: Partial<ProtocolLimits> = { keyBytesMax: 8, valueBytesMax: 16, contextBytesMax: 8, batchOpsMax: 3, siblingsMax: 2 };
    const hot = new WireCodec({ limits });
    const full = new WireCodec({ limits, hotPath: false });
    const base = [...frames(rng, 40), ...edgeFrames(rng)];
    for (const frame of base) expectSame(hot, full, frame, 'tight');
    for (let i = 0; i < 2000; i++) expectSame(hot, full, mutate(rng, rng.pick(base)), `tight mutation ${i}`);
  });

  it('decodes the common requests and replies without msgpackr, and the rest with it', () => {
    const codec = new WireCodec();
    const unpack = vi.spyOn(Unpackr.prototype, 'unpack');
    const ctx = Uint8Array.of(1, 2, 3);
    const common: Message[] = [
      { type: 'get', id: 1, key: 'user:1' },
      { type: 'put', id: 2, key: Uint8Array.of(9), value: Uint8Array.of(4), valueEncoding: 'msgpack', context: ctx },
      { type: 'delete', id: 3, key: 'k' },
      { type: 'batch', id: 4, ops: [{ type: 'get', key: 'a' }, { type: 'put', key: 'b', value: Uint8Array.of(1) }] },
      { type: 'get-ok', id: 5, found: true, siblings: [{ value: Uint8Array.of(7) }, { tombstone: true }], context: ctx },
      { type: 'put-ok', id: 6, context: ctx },
      { type: 'delete-ok', id: 7, context: ctx },
      { type: 'batch-ok', id: 8, results: [{ type: 'get-ok', found: false, siblings: [], context: ctx }, { type: 'put-ok', context: ctx }] },
    ];
    for (const m of common) expect(normalize((codec.decode(codec.encode(m)) as { message: Message }).message)).toStrictEqual(normalize(m));
    expect(unpack).not.toHaveBeenCalled();
    // A key that is not ASCII, an option and an error result are left to the full path.
    codec.decode(codec.encode({ type: 'get', id: 9, key: 'clé' }));
    codec.decode(codec.encode({ type: 'get', id: 10, key: 'k', options: { r: 1 } }));
    codec.decode(codec.encode({ type: 'batch-ok', id: 11, results: [{ type: 'error', code: 'timeout', message: 'slow' }] }));
    expect(unpack).toHaveBeenCalledTimes(3);
  });

  it('refuses a small frame declaring a siblings array of 65,535 as malformed (lengths are checked against the bytes left before any element is read)', () => {
    const codec = new WireCodec();
    // get-ok whose siblings is an array16 of 65535 in a frame of a few dozen bytes.
    const frame = rawPackr.pack({ v: 1, k: 0, type: 'get-ok', id: 1, found: false, siblings: [], context: Uint8Array.of(1) });
    const at = frame.indexOf(0x90); // the empty fixarray
    const hostile = Uint8Array.from([...frame.subarray(0, at), 0xdc, 0xff, 0xff, ...frame.subarray(at + 1)]);
    expect(hostile.byteLength).toBeLessThan(64);
    const result = codec.decode(hostile);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('malformed-frame');
  });
});
