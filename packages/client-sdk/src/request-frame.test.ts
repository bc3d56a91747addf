import { WireCodec, type BatchOp, type ClientRequest } from '@ringkv/protocol';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { requestSlabBytes } from './limits.js';
import { RequestFrameEncoder } from './request-frame.js';

const codec = new WireCodec();

function bytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

const alphabet = ['a', 'Z', '0', ':', '/', 'é', 'ß', '€', '中', '😀', ' '];

function randomKey(rng: Rng): string | Uint8Array {
  if (rng.chance(0.2)) return bytes(rng, 1 + rng.int(300));
  const length = [1 + rng.int(10), 30 + rng.int(5), 80 + rng.int(200), 300][rng.int(4)] as number;
  const ascii = rng.chance(0.6);
  let key = '';
  for (let i = 0; i < length; i++) key += ascii ? (alphabet[rng.int(5)] as string) : (alphabet[rng.int(alphabet.length)] as string);
  return key;
}

function randomOp(rng: Rng): BatchOp {
  const key = randomKey(rng);
  const context = rng.chance(0.5) ? bytes(rng, rng.int(400)) : undefined;
  switch (rng.int(3)) {
    case 0:
      return { type: 'get', key };
    case 1: {
      // Sizes around each bin/str header boundary; 70,000 (bin32) rarely, as it is slow to compare.
      const size = rng.chance(0.02) ? 70_000 : ([0, 5, 31, 32, 100, 255, 256, 300][rng.int(8)] as number);
      const value = rng.chance(0.5) ? codec.packValue('x'.repeat(size)) : { value: bytes(rng, size) };
      return { type: 'put', key, ...value, ...(context === undefined ? {} : { context }) };
    }
    default:
      return { type: 'delete', key, ...(context === undefined ? {} : { context }) };
  }
}

describe('RequestFrameEncoder', () => {
  it('writes frames the node decodes exactly as it decodes WireCodec.encode frames (seeded)', () => {
    const seed = testSeed(1213);
    const rng = new Rng(seed);
    const encoder = new RequestFrameEncoder(codec.limits);
    for (let round = 0; round < 300; round++) {
      const id = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 0xffff_ffff, rng.int(0xffff_ffff)][rng.int(10)] as number;
      const batch = rng.chance(0.5);
      const ops = Array.from({ length: batch ? 1 + rng.int(20) : 1 }, () => randomOp(rng));
      const request: ClientRequest = batch ? { type: 'batch', id, ops } : ({ ...ops[0], id } as ClientRequest);
      const frame = encoder.encode(id, ops, batch);
      expect(frame, `round ${round} ${seedNote(seed)}`).toBeDefined();
      const ours = codec.decode(frame as Uint8Array);
      const theirs = codec.decode(Uint8Array.from(codec.encode(request))); // a plain copy: msgpackr decodes a Buffer into Buffers
      expect(ours.ok, `round ${round} ${JSON.stringify(ours.ok ? '' : ours.error.message)} ${seedNote(seed)}`).toBe(true);
      // Compared as JSON: msgpackr decodes theirs (a Buffer) into Buffers, ours into Uint8Arrays; toEqual tells them apart.
      if (JSON.stringify(ours, replacer) !== JSON.stringify(theirs, replacer)) expect(ours, `round ${round} ${seedNote(seed)}`).toEqual(theirs);
    }
  });

  it('never rewrites a frame it returned, also when the slab fills up', () => {
    const encoder = new RequestFrameEncoder(codec.limits);
    const value = new Uint8Array(1_000).fill(7);
    const frames: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    for (let i = 0; i < (3 * requestSlabBytes) / 1_000; i++) {
      const frame = encoder.encode(i, [{ type: 'put', key: `k${i}`, value }], false) as Uint8Array;
      frames.push(frame);
      copies.push(frame.slice());
    }
    frames.forEach((f, i) => expect(Buffer.compare(f, copies[i] as Uint8Array), `frame ${i}`).toBe(0));
  });

  it('declines what WireCodec.encode must check: an over-long value or context, an oversized frame, a ring request, too many ops', () => {
    const small = new WireCodec({ limits: { valueBytesMax: 100, frameBytesMax: 2_000 } });
    const encoder = new RequestFrameEncoder(small.limits);
    expect(encoder.encode(1, [{ type: 'put', key: 'k', value: new Uint8Array(101) }], false)).toBeUndefined();
    expect(encoder.encode(1, [{ type: 'delete', key: 'k', context: new Uint8Array(small.limits.contextBytesMax + 1) }], false)).toBeUndefined();
    const ops: BatchOp[] = Array.from({ length: 30 }, (_, i) => ({ type: 'put', key: `k${i}`, value: new Uint8Array(100) }));
    expect(encoder.encode(1, ops, true)).toBeUndefined();
    expect(encoder.encode(1, [{ type: 'ring' } as unknown as BatchOp], false)).toBeUndefined();
    expect(encoder.encode(1, Array.from({ length: small.limits.batchOpsMax + 1 }, () => ({ type: 'get', key: 'k' }) as BatchOp), true)).toBeUndefined();
    expect(encoder.encode(1, [], true)).toBeUndefined();
    // After declining, the encoder still writes good frames.
    const frame = encoder.encode(2, [{ type: 'get', key: 'k' }], false) as Uint8Array;
    expect(small.decode(frame)).toEqual({ ok: true, message: { type: 'get', id: 2, key: 'k' } });
  });
});

/** Bytes as arrays for a cheap comparison (toEqual on large byte arrays is slow). */
function replacer(_key: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Array.from(v) : v;
}
