import { describe, expect, it } from 'vitest';
import { isSimError } from './errors.js';
import { estimateSize } from './size.js';

describe('estimateSize', () => {
  it('gives MessagePack sizes for scalars', () => {
    expect(estimateSize(null)).toBe(1);
    expect(estimateSize(true)).toBe(1);
    expect(estimateSize(7)).toBe(1);
    expect(estimateSize(-32)).toBe(1);
    expect(estimateSize(200)).toBe(2);
    expect(estimateSize(-200)).toBe(3);
    expect(estimateSize(65_535)).toBe(3);
    expect(estimateSize(70_000)).toBe(5);
    expect(estimateSize(2 ** 40)).toBe(9);
    expect(estimateSize(1.5)).toBe(9);
  });

  it('counts strings by UTF-8 length plus header', () => {
    expect(estimateSize('')).toBe(1);
    expect(estimateSize('abc')).toBe(4);
    expect(estimateSize('é')).toBe(3);
    expect(estimateSize('😀')).toBe(5);
    expect(estimateSize('x'.repeat(40))).toBe(42);
    expect(estimateSize('x'.repeat(300))).toBe(303);
  });

  it('counts containers as header plus contents, skipping undefined object fields', () => {
    expect(estimateSize([1, 2, 3])).toBe(4);
    expect(estimateSize({ a: 1, b: undefined })).toBe(1 + 2 + 1);
    expect(estimateSize(new Uint8Array(10))).toBe(12);
    expect(estimateSize(Array.from({ length: 20 }, () => 0))).toBe(23);
  });

  it('refuses cycles and functions with invalid-argument instead of looping', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    for (const bad of [cyclic, () => 1]) {
      let caught: unknown;
      try {
        estimateSize(bad);
      } catch (error) {
        caught = error;
      }
      expect(isSimError(caught) && caught.code).toBe('invalid-argument');
    }
  });
});
