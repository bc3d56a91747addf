/**
 * The textbook version-vector example (Dynamo paper, and DeCandia et al.'s
 * figure reproduced in most distributed-systems texts): D1 and D2 written at
 * Sx, D3 at Sy and D4 at Sz both from D2, then D5 at Sx reconciling them.
 * Played once with bare clocks and once through DVV sets, as the store will.
 */
import { describe, expect, it } from 'vitest';
import {
  compare,
  context,
  decodeContext,
  descends,
  emptyClock,
  empty,
  encodeContext,
  increment,
  live,
  merge,
  sync,
  toObject,
  update,
  values,
} from '../src/index.js';

describe('the textbook scenario', () => {
  it('with version vectors: D3 and D4 are concurrent, and D5 on their merge dominates both', () => {
    const d1 = increment(emptyClock, 'Sx');
    const d2 = increment(d1, 'Sx');
    const d3 = increment(d2, 'Sy');
    const d4 = increment(d2, 'Sz');
    expect(toObject(d2)).toEqual({ Sx: 2 });
    expect(compare(d2, d1)).toBe('after');
    expect(compare(d3, d2)).toBe('after');
    expect(compare(d3, d4)).toBe('concurrent');
    const d5 = increment(merge(d3, d4), 'Sx');
    expect(toObject(d5)).toEqual({ Sx: 3, Sy: 1, Sz: 1 });
    expect(compare(d5, d3)).toBe('after');
    expect(compare(d5, d4)).toBe('after');
    expect(descends(d5, d1) && descends(d5, d2)).toBe(true);
  });

  it('with DVV sets: replicas keep D3 and D4 as siblings, and D5 written with their context replaces both', () => {
    const wire = (set: Parameters<typeof context>[0]) => decodeContext(encodeContext(context(set)));
    const atSx1 = update(empty<string>(), emptyClock, 'Sx', live('D1'));
    const atSx2 = update(atSx1, wire(atSx1), 'Sx', live('D2'));
    // D2 reaches Sy and Sz; two clients read it there and write through them.
    const atSy = update(atSx2, wire(atSx2), 'Sy', live('D3'));
    const atSz = update(atSx2, wire(atSx2), 'Sz', live('D4'));
    // Sx syncs with both: D3 and D4 show as two siblings.
    const withSiblings = sync(sync(atSx2, atSy), atSz);
    expect(values(withSiblings).map((s) => (s.tombstone ? null : s.value)).sort()).toEqual(['D3', 'D4']);
    expect(toObject(context(withSiblings))).toEqual({ Sx: 2, Sy: 1, Sz: 1 });
    // A client reads both, reconciles, and writes D5 through Sx.
    const atSx5 = update(withSiblings, wire(withSiblings), 'Sx', live('D5'));
    expect(values(atSx5)).toEqual([{ tombstone: false, value: 'D5', dot: { actor: 'Sx', counter: 3 } }]);
    expect(toObject(context(atSx5))).toEqual({ Sx: 3, Sy: 1, Sz: 1 });
    // Sy and Sz, still holding D3 and D4, converge to D5 when they sync.
    expect(values(sync(atSy, atSx5))).toEqual(values(atSx5));
    expect(values(sync(atSx5, atSz))).toEqual(values(atSx5));
  });
});
