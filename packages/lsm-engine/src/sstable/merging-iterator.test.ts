import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seedNote, testSeed } from '@ringkv/sim';
import { compareBytes, compareInternal, KIND_PUT, type EntryKind, type InternalIterator } from '../format/internal.js';
import { mergingIterator } from './merging-iterator.js';

interface E {
  key: Uint8Array;
  seq: number;
}

/** A child over a sorted array: the simplest correct InternalIterator. */
class ArrayIterator implements InternalIterator {
  private i = 0;
  closed = false;
  constructor(private readonly items: E[]) {
    this.i = items.length;
  }
  seek(target: Uint8Array): void {
    this.i = this.items.findIndex((e) => compareBytes(e.key, target) >= 0);
    if (this.i < 0) this.i = this.items.length;
  }
  seekToFirst(): void {
    this.i = 0;
  }
  valid(): boolean {
    return this.i < this.items.length;
  }
  next(): void {
    this.i++;
  }
  key(): Uint8Array {
    return this.items[this.i]!.key;
  }
  seq(): number {
    return this.items[this.i]!.seq;
  }
  kind(): EntryKind {
    return KIND_PUT;
  }
  value(): Uint8Array {
    return new Uint8Array([this.i]);
  }
  close(): void {
    this.closed = true;
  }
}

const byInternal = (a: E, b: E) => compareInternal(a.key, a.seq, b.key, b.seq);

describe('mergingIterator', () => {
  it('yields the union of its children in internal order, from the start and after any seek', () => {
    const seed = testSeed(301);
    const entry = fc.record({ key: fc.uint8Array({ maxLength: 4 }), seq: fc.integer({ min: 1, max: 10_000 }) });
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 30 }), { maxLength: 6 }), fc.uint8Array({ maxLength: 4 }), (lists, target) => {
        // Make (key, seq) unique across all children, as the engine guarantees.
        const seen = new Set<string>();
        const unique = lists.map((l) => l.filter((e) => {
          const id = `${e.key.join(',')}/${e.seq}`;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        }).sort(byInternal));
        const model = unique.flat().sort(byInternal);
        const children = unique.map((l) => new ArrayIterator(l));
        const merged = mergingIterator(children);
        const collect = () => {
          const out: E[] = [];
          for (; merged.valid(); merged.next()) out.push({ key: merged.key(), seq: merged.seq() });
          return out;
        };
        merged.seekToFirst();
        expect(collect()).toEqual(model);
        merged.seek(target);
        expect(collect()).toEqual(model.filter((e) => compareBytes(e.key, target) >= 0));
        merged.close();
        expect(children.every((c) => c.closed)).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
    expect(seedNote(seed)).toContain(String(seed));
  });

  it('with no children is never valid', () => {
    const merged = mergingIterator([]);
    merged.seekToFirst();
    expect(merged.valid()).toBe(false);
  });
});
