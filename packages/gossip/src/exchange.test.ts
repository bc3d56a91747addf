import { describe, expect, it } from 'vitest';
import { answerDigest, answerRequests, type LocalView } from './exchange.js';
import { beat, initialState, type MemberState } from './state.js';

function member(id: string, generation = 1): MemberState {
  return initialState({ id, generation, address: id, status: 'normal', vnodes: 8, weight: 1, zone: '' });
}

function view(states: MemberState[], forgotten: Record<string, number> = {}): LocalView {
  const byId = new Map(states.map((s) => [s.id, s]));
  return { state: (id) => byId.get(id), states: () => byId.values(), forgottenAt: (id) => forgotten[id] };
}

describe('answerDigest', () => {
  it('sends what the peer lacks and requests what it has newer, nothing for equal versions', () => {
    const a = beat(beat(member('a')));
    const b = member('b');
    const c = member('c');
    const local = view([a, b, c]);
    const { deltas, requests } = answerDigest(local, [
      ['a', 1, 1],
      ['b', 1, 7],
      ['c', 1, 1],
      ['d', 3, 2],
    ]);
    expect(deltas).toEqual([{ i: 'a', g: 1, hb: 3 }]);
    expect(requests).toEqual([
      ['b', 1, 1],
      ['d', 3, 0],
    ]);
  });

  it('sends a whole entry for a member the peer does not list or holds at an older generation', () => {
    const local = view([member('a', 5), member('b')]);
    const { deltas } = answerDigest(local, [['a', 4, 99]]);
    expect(deltas.map((d) => [d.i, d.g, Object.keys(d).length])).toEqual([
      ['a', 5, 10],
      ['b', 1, 10],
    ]);
  });

  it('neither requests nor accepts a forgotten member at its forgotten generation', () => {
    const local = view([], { gone: 2 });
    expect(answerDigest(local, [['gone', 2, 50]]).requests).toEqual([]);
    expect(answerDigest(local, [['gone', 3, 1]]).requests).toEqual([['gone', 3, 0]]);
  });
});

describe('answerRequests', () => {
  it('answers with fields newer than the requested version, whole for an older generation, nothing for a newer one', () => {
    const a = beat(member('a', 2));
    const local = view([a]);
    expect(answerRequests(local, [['a', 2, 1]])).toEqual([{ i: 'a', g: 2, hb: 2 }]);
    expect(Object.keys(answerRequests(local, [['a', 1, 1]])[0] ?? {})).toHaveLength(10);
    expect(answerRequests(local, [['a', 3, 0]])).toEqual([]);
    expect(answerRequests(local, [['zz', 1, 0]])).toEqual([]);
  });
});
