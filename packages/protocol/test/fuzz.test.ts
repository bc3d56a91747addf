// Thousands of random and adversarial frames thrown at the decoder: each must give a valid
// message or a typed error, never an exception, a hang, a polluted prototype or unbounded memory.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { WireCodec, errorCodeTable, isProtocolError, messageTypes, type DecodeResult } from '@ringkv/protocol';
import { messageArb } from './arbitraries.js';

const seed = testSeed(0xf022);
const codec = new WireCodec();
const rawPackr = new Packr({ useRecords: false });
const envelope = (body: Record<string, unknown>): Uint8Array => rawPackr.pack({ v: 1, k: 0, ...body });

/** Checks one outcome; returns a description of what is wrong, or undefined. */
function problemWith(frame: Uint8Array): string | undefined {
  let result: DecodeResult;
  try {
    result = codec.decode(frame);
  } catch (error) {
    return `decode threw ${String(error)}`;
  }
  if (result.ok) {
    if (!messageTypes.includes(result.message.type)) return `accepted unknown type ${result.message.type}`;
    try {
      codec.encode(result.message); // Whatever is accepted must be something we would send.
    } catch (error) {
      return `accepted a message that does not re-encode: ${String(error)}`;
    }
    return undefined;
  }
  const { error } = result;
  if (!isProtocolError(error)) return `untyped error ${String(error)}`;
  if (error.closeCode !== errorCodeTable[error.code].closeCode) return `close code ${error.closeCode} for ${error.code}`;
  return undefined;
}

function valueProblem(bytes: Uint8Array): string | undefined {
  try {
    const result = codec.unpackValue(bytes, 'msgpack');
    if (!result.ok && !isProtocolError(result.error)) return 'untyped value error';
    return undefined;
  } catch (error) {
    return `unpackValue threw ${String(error)}`;
  }
}

function expectAllHandled(frames: Iterable<Uint8Array>, label: string): number {
  let count = 0;
  for (const frame of frames) {
    const problem = problemWith(frame) ?? valueProblem(frame);
    if (problem !== undefined) {
      expect.fail(`${label}: ${problem} for ${Buffer.from(frame.subarray(0, 64)).toString('hex')} ${seedNote(seed)}`);
    }
    count++;
  }
  return count;
}

function* randomFrames(rng: Rng, n: number): Generator<Uint8Array> {
  for (let i = 0; i < n; i++) yield rng.bytes(rng.int(300));
}

const validFrames = fc.sample(messageArb, { seed, numRuns: 300 }).map((m) => codec.encode(m));

function* mutations(rng: Rng, n: number): Generator<Uint8Array> {
  for (let i = 0; i < n; i++) {
    const base = Uint8Array.from(rng.pick(validFrames));
    switch (rng.int(4)) {
      case 0: // truncate
        yield base.subarray(0, rng.int(base.length));
        break;
      case 1: // flip a few bytes
        for (let f = 0; f < 1 + rng.int(4); f++) base[rng.int(base.length)] = rng.int(256);
        yield base;
        break;
      case 2: // splice a hostile header in
        {
          const at = rng.int(base.length);
          const header = rng.pick(hostileHeaders);
          const out = new Uint8Array(base.length + header.length);
          out.set(base.subarray(0, at));
          out.set(header, at);
          out.set(base.subarray(at), at + header.length);
          yield out;
        }
        break;
      default: // append garbage
        yield Uint8Array.from([...base, ...rng.bytes(1 + rng.int(8))]);
    }
  }
}

const hostileHeaders: Uint8Array[] = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4e9
  [0xdf, 0xff, 0xff, 0xff, 0xff], // map32 of 4e9
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str32 of 4 GiB
  [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32 of 4 GiB
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext32 of 4 GiB
  [0xd4, 0x72, 0x40], // msgpackr record definition
  [0xd6, 0x62, 0, 0, 0, 0x10], // msgpackr string bundle
  [0xd6, 0x70, 0, 0, 0, 1], // msgpackr structured-clone pointer
  [0xc1],
].map((h) => Uint8Array.from(h));

function* adversarial(): Generator<Uint8Array> {
  // Oversized declared lengths, alone and inside an envelope prefix.
  for (const header of hostileHeaders) {
    yield Uint8Array.from([...header, 0, 0, 0, 0, 0]);
    const prefix = envelope({ type: 'get', id: 1, key: 'k' });
    yield Uint8Array.from([0x84, ...prefix.subarray(1, 12), ...header]);
  }
  // 10,000 levels of nesting: arrays, maps, and both mixed.
  yield new Uint8Array(10_000).fill(0x91);
  const maps = new Uint8Array(20_001);
  for (let i = 0; i < 10_000; i++) maps.set([0x81, 0xa1], i * 2);
  yield maps;
  const mixed: number[] = [];
  for (let i = 0; i < 5_000; i++) mixed.push(0x91, 0x81, 0xa0);
  yield Uint8Array.from([...mixed, 0xc0]);
  // Every extension type in every fixext size and as ext8.
  for (let type = 0; type < 256; type++) {
    for (const [marker, size] of [[0xd4, 1], [0xd5, 2], [0xd6, 4], [0xd7, 8], [0xd8, 16]] as const) {
      yield Uint8Array.from([marker, type, ...new Uint8Array(size)]);
    }
    yield Uint8Array.from([0xc7, 3, type, 1, 2, 3]);
  }
  // Wrong field types and hostile values in every field of every message.
  const hostileValues: unknown[] = [
    null, true, -1, 2 ** 32, 2 ** 53 + 2, -(2 ** 63), 18446744073709551615n, -9223372036854775808n,
    Number.NaN, Infinity, -Infinity, 1.5, '', 'x'.repeat(5000), new Uint8Array(20_000), [], [[[[]]]], {}, new Date(0),
    JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: { polluted: 1 } } },
  ];
  const fields = ['v', 'k', 'type', 'id', 'key', 'value', 'valueEncoding', 'context', 'options', 'ops', 'siblings', 'found',
    'results', 'code', 'message', 'protocolVersion', 'clientName', 'authToken', 'nodeId', 'limits', '__proto__', 'constructor'];
  for (const m of fc.sample(messageArb, { seed, numRuns: 40 })) {
    for (const field of fields) {
      for (const value of hostileValues) {
        const body: Record<string, unknown> = { ...m };
        Object.defineProperty(body, field, { value, enumerable: true, writable: true, configurable: true });
        yield envelope(body);
      }
    }
  }
  // Huge ints and floats as whole frames.
  for (const bytes of [[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]]) {
    yield Uint8Array.from(bytes);
  }
}

describe('decoder under fuzzing', () => {
  it('answers thousands of random, mutated and adversarial frames with a message or a typed error, in bounded memory', () => {
    const rng = new Rng(seed);
    const heapBefore = process.memoryUsage().heapUsed;
    let total = 0;
    total += expectAllHandled(randomFrames(rng.fork('random'), 4000), 'random bytes');
    total += expectAllHandled(mutations(rng.fork('mutations'), 4000), 'mutated frames');
    total += expectAllHandled(adversarial(), 'adversarial frames');
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(total).toBeGreaterThan(25_000);
    // Generous: the frames themselves are a few MiB; a 4e9-element allocation would be gigabytes.
    expect(heapGrowth, `heap grew by ${heapGrowth} bytes ${seedNote(seed)}`).toBeLessThan(256 * 1024 * 1024);
    expect(({} as Record<string, unknown>)['polluted'], seedNote(seed)).toBeUndefined();
  });

  it('refuses each oversized declared length as malformed or over a limit, never decoding it', () => {
    for (const header of hostileHeaders.slice(0, 5)) {
      const result = codec.decode(Uint8Array.from([...header, 0, 0, 0, 0, 0]));
      expect(result.ok ? 'accepted' : result.error.code, Buffer.from(header).toString('hex')).toMatch(/malformed-frame|limit-exceeded|invalid-message/);
    }
  });

  it('refuses 10,000 levels of nesting with limit-exceeded and close 1009 rather than a stack overflow', () => {
    for (const frame of [new Uint8Array(10_000).fill(0x91), Uint8Array.from([0x81, 0xa1, 0x76, ...new Uint8Array(9_000).fill(0x91)])]) {
      const result = codec.decode(frame);
      expect(result.ok ? 'accepted' : [result.error.code, result.error.closeCode]).toEqual(['limit-exceeded', 1009]);
    }
  });

  it('refuses msgpackr extensions (records, Set, Error, RegExp, typed arrays) in a frame before msgpackr runs them', () => {
    for (const type of [0x72, 0x73, 0x65, 0x78, 0x74, 0x62, 0x69, 0x70, 0x42, 0x00]) {
      const key = Uint8Array.from([0xd4, type, 0x00]);
      const prefix = envelope({ type: 'get', id: 1, key: 'k' });
      // Replace the 'k' key string (last two bytes: a1 6b) with the extension.
      const frame = Uint8Array.from([...prefix.subarray(0, prefix.length - 2), ...key]);
      const result = codec.decode(frame);
      expect(result.ok ? 'accepted' : result.error.code, `type 0x${type.toString(16)}`).toBe('invalid-message');
    }
  });

  it('keeps heap bounded while decoding maximal frames of tiny containers', () => {
    // A frameBytesMax frame of empty arrays inside a value is the worst amplification the value scan admits.
    const big = new Uint8Array(1 + 4 + 1_000_000);
    big.set([0xdd, 0x00, 0x0f, 0x42, 0x40]); // array32 of 1,000,000
    big.fill(0x90, 5);
    const heapBefore = process.memoryUsage().heapUsed;
    const result = codec.unpackValue(big.subarray(0, 1024 * 1024), 'msgpack');
    expect(result.ok ? 'accepted' : result.error.code).toBe('invalid-message'); // over valueContainersMax
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
