import { describe, expect, it } from 'vitest';
import {
  checkClock,
  compare,
  descends,
  emptyClock,
  equals,
  fromObject,
  get,
  increment,
  merge,
  toObject,
  withoutTimestamps,
} from './clock.js';
import { isVclockError } from './errors.js';
import { actorBytesMax } from './limits.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isVclockError(error) ? error.code : `not a VclockError: ${String(error)}`;
  }
  return undefined;
}

describe('fromObject and toObject', () => {
  it('sort entries by actor and drop zero counters, so key order does not matter', () => {
    const clock = fromObject({ Sz: 1, Sx: 2, Sy: 0 });
    expect(clock.map((entry) => entry.actor)).toEqual(['Sx', 'Sz']);
    expect(clock).toEqual(fromObject({ Sx: 2, Sz: 1 }));
    expect(toObject(clock)).toEqual({ Sx: 2, Sz: 1 });
  });

  it('stamp every entry with the given lastModifiedMs, 0 by default', () => {
    expect(fromObject({ a: 1 })[0]?.lastModifiedMs).toBe(0);
    expect(fromObject({ a: 1, b: 2 }, 42).map((entry) => entry.lastModifiedMs)).toEqual([42, 42]);
  });

  it('reject negative, fractional and unsafe counters and bad actor ids as invalid-argument', () => {
    expect(codeOf(() => fromObject({ a: -1 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ a: 1.5 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ a: 2 ** 53 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ '': 1 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ ['x'.repeat(actorBytesMax + 1)]: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ ['é'.repeat(Math.ceil((actorBytesMax + 1) / 2))]: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ ['\ud800x']: 1 }))).toBe('invalid-argument');
    expect(codeOf(() => fromObject({ ['x'.repeat(actorBytesMax)]: 1 }))).toBeUndefined();
  });

  it('keep an actor named __proto__ as an ordinary own key', () => {
    const object = toObject(fromObject(JSON.parse('{"__proto__": 3}') as Record<string, number>));
    expect(Object.keys(object)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
  });
});

describe('increment', () => {
  it('adds an actor at its sorted place and counts up an existing one, leaving the input untouched', () => {
    const before = fromObject({ b: 1 });
    const added = increment(before, 'a');
    expect(toObject(added)).toEqual({ a: 1, b: 1 });
    expect(added.map((entry) => entry.actor)).toEqual(['a', 'b']);
    expect(toObject(increment(added, 'b'))).toEqual({ a: 1, b: 2 });
    expect(toObject(before)).toEqual({ b: 1 });
  });

  it('sets the timestamp when given and keeps the previous one when not', () => {
    const stamped = increment(emptyClock, 'a', 500);
    expect(stamped[0]?.lastModifiedMs).toBe(500);
    expect(increment(stamped, 'a')[0]?.lastModifiedMs).toBe(500);
    expect(increment(stamped, 'a', 900)[0]?.lastModifiedMs).toBe(900);
  });

  it('rejects an empty actor id', () => {
    expect(codeOf(() => increment(emptyClock, ''))).toBe('invalid-argument');
  });
});

describe('get', () => {
  it('returns the counter of an actor and 0 for an absent one', () => {
    const clock = fromObject({ a: 1, c: 3, e: 5 });
    expect([get(clock, 'a'), get(clock, 'c'), get(clock, 'e')]).toEqual([1, 3, 5]);
    expect([get(clock, 'b'), get(clock, 'z'), get(emptyClock, 'a')]).toEqual([0, 0, 0]);
  });
});

describe('merge', () => {
  it('takes the larger counter of each actor and keeps actors present on one side', () => {
    expect(toObject(merge(fromObject({ a: 3, b: 1 }), fromObject({ b: 2, c: 1 })))).toEqual({ a: 3, b: 2, c: 1 });
  });

  it('keeps the timestamp of the larger counter, and the later one on a tie', () => {
    const x = [{ actor: 'a', counter: 2, lastModifiedMs: 10 }];
    const y = [{ actor: 'a', counter: 1, lastModifiedMs: 99 }];
    const z = [{ actor: 'a', counter: 2, lastModifiedMs: 50 }];
    expect(merge(x, y)[0]?.lastModifiedMs).toBe(10);
    expect(merge(x, z)[0]?.lastModifiedMs).toBe(50);
  });
});

describe('compare and descends', () => {
  it('tell equal, after, before and concurrent apart', () => {
    const base = fromObject({ a: 1, b: 1 });
    expect(compare(base, fromObject({ b: 1, a: 1 }))).toBe('equal');
    expect(compare(fromObject({ a: 2, b: 1 }), base)).toBe('after');
    expect(compare(base, fromObject({ a: 1, b: 1, c: 1 }))).toBe('before');
    expect(compare(fromObject({ a: 2, b: 1 }), fromObject({ a: 1, b: 2 }))).toBe('concurrent');
    expect(compare(fromObject({ a: 1 }), fromObject({ b: 1 }))).toBe('concurrent');
    expect(compare(emptyClock, emptyClock)).toBe('equal');
    expect(compare(emptyClock, base)).toBe('before');
  });

  it('ignore timestamps', () => {
    expect(compare(fromObject({ a: 1 }, 5), fromObject({ a: 1 }, 7))).toBe('equal');
    expect(equals(fromObject({ a: 1 }, 5), fromObject({ a: 1 }, 7))).toBe(true);
    expect(descends(fromObject({ a: 1 }, 5), fromObject({ a: 1 }, 7))).toBe(true);
  });

  it('descends is false when the other clock has an actor this one lacks', () => {
    expect(descends(fromObject({ a: 5, c: 1 }), fromObject({ a: 1, b: 1 }))).toBe(false);
    expect(descends(fromObject({ a: 5, b: 1, c: 1 }), fromObject({ a: 1, b: 1 }))).toBe(true);
  });
});

describe('withoutTimestamps', () => {
  it('zeroes timestamps and keeps counters', () => {
    const clock = withoutTimestamps(fromObject({ a: 1, b: 2 }, 9));
    expect(clock.every((entry) => entry.lastModifiedMs === 0)).toBe(true);
    expect(toObject(clock)).toEqual({ a: 1, b: 2 });
  });
});

describe('checkClock', () => {
  it('accepts a canonical clock decoded from plain data', () => {
    const clock = fromObject({ a: 1, b: 2 }, 3);
    expect(checkClock(JSON.parse(JSON.stringify(clock)))).toEqual(clock);
  });

  it('rejects unsorted, duplicate, zero and mistyped entries as malformed', () => {
    const bad: unknown[] = [
      'not an array',
      [{ actor: 'b', counter: 1, lastModifiedMs: 0 }, { actor: 'a', counter: 1, lastModifiedMs: 0 }],
      [{ actor: 'a', counter: 1, lastModifiedMs: 0 }, { actor: 'a', counter: 2, lastModifiedMs: 0 }],
      [{ actor: 'a', counter: 0, lastModifiedMs: 0 }],
      [{ actor: 'a', counter: 1 }],
      [{ actor: 7, counter: 1, lastModifiedMs: 0 }],
      [null],
    ];
    for (const data of bad) expect(codeOf(() => checkClock(data)), JSON.stringify(data)).toBe('malformed');
  });
});
