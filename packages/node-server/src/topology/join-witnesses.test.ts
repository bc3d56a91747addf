import { describe, expect, it } from 'vitest';
import { JoinWitnesses } from './join-witnesses.js';

const env = (from: string, fg: number) => ({ c: 'ringkv', f: from, fg, fa: from });
const members = (...ids: [string, number][]) => ids.map(([id, generation]) => ({ id, generation }));

describe('JoinWitnesses', () => {
  it('counts a peer whose syn lists this node at its generation, not at another one or at version 0', () => {
    const w = new JoinWitnesses('d', () => 7);
    w.observe({ ...env('a', 1), t: 'syn', d: [['a', 1, 9], ['d', 6, 4]] });
    w.observe({ ...env('b', 1), t: 'syn', d: [['b', 1, 3], ['d', 7, 0]] });
    w.observe({ ...env('c', 2), t: 'syn', d: [['c', 2, 3], ['d', 7, 5]] });
    expect(w.missing(members(['a', 1], ['b', 1], ['c', 2]))).toEqual(['a', 'b']);
  });

  it('counts a peer whose ack does not ask for this node from scratch', () => {
    const w = new JoinWitnesses('d', () => 7);
    w.observe({ ...env('a', 1), t: 'ack', u: [], r: [['d', 7, 0]] });
    w.observe({ ...env('b', 1), t: 'ack', u: [], r: [['d', 7, 12]] });
    w.observe({ ...env('c', 1), t: 'ack', u: [], r: [] });
    expect(w.missing(members(['a', 1], ['b', 1], ['c', 1]))).toEqual(['a']);
  });

  it('asks again of a peer that restarted since it showed it knows, and ignores malformed messages and ack2', () => {
    const w = new JoinWitnesses('d', () => 7);
    w.observe({ ...env('a', 1), t: 'syn', d: [['d', 7, 2]] });
    w.observe({ ...env('b', 1), t: 'ack2', u: [] });
    w.observe({ t: 'syn', d: [['d', 7, 2]] });
    expect(w.missing(members(['a', 1]))).toEqual([]);
    expect(w.missing(members(['a', 2], ['b', 1]))).toEqual(['a', 'b']);
  });
});
