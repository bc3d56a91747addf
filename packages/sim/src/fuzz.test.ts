import { describe, expect, it } from 'vitest';
import { mutate, runFuzz } from './fuzz.js';
import { Rng } from './random.js';

class TypedError extends Error {}

/** A toy length-prefixed decoder: byte 0 is the length of the rest. */
function decodeToy(input: Uint8Array): void {
  if (input.length === 0) throw new TypedError('empty');
  if (input[0] !== input.length - 1) throw new TypedError('length');
}

describe('fuzz kit', () => {
  it('replays the same mutations for the same seed and never modifies the base', () => {
    const base = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = new Rng(42);
    const b = new Rng(42);
    for (let i = 0; i < 200; i++) {
      const x = mutate(a, base);
      const y = mutate(b, base);
      expect(x.how).toBe(y.how);
      expect([...x.bytes]).toEqual([...y.bytes]);
    }
    expect([...base]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('counts accepted and refused inputs of a decoder that only throws its typed error', () => {
    const report = runFuzz({
      name: 'toy',
      seed: 7,
      corpus: [Uint8Array.from([3, 9, 9, 9])],
      decode: decodeToy,
      expected: (e) => e instanceof TypedError,
      inputs: 2_000,
    });
    expect(report.inputs).toBe(2_000);
    expect(report.accepted + report.refused).toBe(2_000);
    expect(report.refused).toBeGreaterThan(0);
    expect(report.accepted).toBeGreaterThan(0);
  });

  it('stops at the first untyped error and names the seed and the input', () => {
    const run = (): unknown =>
      runFuzz({
        name: 'reads-past-end',
        seed: 9,
        corpus: [Uint8Array.from([2, 1, 1])],
        decode: (input) => {
          const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
          view.getUint16(input.length - 2); // RangeError on inputs shorter than 2 bytes
        },
        expected: (e) => e instanceof TypedError,
        inputs: 5_000,
      });
    expect(run).toThrow(/fuzz reads-past-end: input \d+ .* threw RangeError.*replay with SEED=9/);
  });

  it('refuses a corpus entry that does not decode', () => {
    expect(() =>
      runFuzz({ name: 'bad-corpus', seed: 1, corpus: [new Uint8Array(0)], decode: decodeToy, expected: () => true, inputs: 1 }),
    ).toThrow(/corpus entry 0 does not decode/);
  });
});
