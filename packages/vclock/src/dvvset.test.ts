import { describe, expect, it } from 'vitest';
import { type VClock, emptyClock, fromObject, toObject } from './clock.js';
import { decodeContext, encodeContext } from './codec.js';
import {
  type DvvSet,
  type Payload,
  checkDvvSet,
  context,
  empty,
  isTombstoneOnly,
  live,
  reconcile,
  siblingCount,
  sync,
  tombstone,
  update,
  values,
} from './dvvset.js';
import { isVclockError } from './errors.js';
import * as limits from './limits.js';
import { siblingsMax } from './limits.js';

function liveValues<V>(set: DvvSet<V>): V[] {
  return values(set).flatMap((sibling) => (sibling.tombstone ? [] : [sibling.value]));
}

/** A client read: the opaque context bytes it would receive, decoded again as the coordinator would. */
function read<V>(set: DvvSet<V>): VClock {
  return decodeContext(encodeContext(context(set)));
}

describe('update', () => {
  it('gives the first write the dot (coordinator, 1) and a context of one entry', () => {
    const set = update(empty<string>(), emptyClock, 'Sx', live('v1'));
    expect(values(set)).toEqual([{ tombstone: false, value: 'v1', dot: { actor: 'Sx', counter: 1 } }]);
    expect(toObject(context(set))).toEqual({ Sx: 1 });
  });

  it('keeps both writes of two clients that read the same context through the same coordinator', () => {
    const v1 = update(empty<string>(), emptyClock, 'Sx', live('v1'));
    const ctx = read(v1);
    const afterA = update(v1, ctx, 'Sx', live('from A'));
    const afterB = update(afterA, ctx, 'Sx', live('from B'));
    expect(liveValues(afterB).sort()).toEqual(['from A', 'from B']);
    expect(toObject(context(afterB))).toEqual({ Sx: 3 });
  });

  it('replaces every sibling when the context covers them all', () => {
    let set = update(empty<string>(), emptyClock, 'Sx', live('a'));
    set = update(set, emptyClock, 'Sy', live('b'));
    set = update(set, emptyClock, 'Sx', live('c'));
    expect(siblingCount(set)).toBe(3);
    const resolved = update(set, read(set), 'Sz', live('resolved'));
    expect(liveValues(resolved)).toEqual(['resolved']);
    expect(toObject(context(resolved))).toEqual({ Sx: 2, Sy: 1, Sz: 1 });
  });

  it('discards only the siblings the context covers', () => {
    let set = update(empty<string>(), emptyClock, 'Sx', live('seen'));
    const ctx = read(set);
    set = update(set, emptyClock, 'Sx', live('unseen'));
    set = update(set, ctx, 'Sx', live('new'));
    expect(liveValues(set).sort()).toEqual(['new', 'unseen']);
  });

  it('grows the context by at most one entry per coordinator for clients that never send a context', () => {
    let set = empty<number>();
    const coordinators = ['n1', 'n2', 'n3'];
    for (let client = 0; client < 50; client++) {
      set = update(set, emptyClock, coordinators[client % 3] as string, live(client));
    }
    expect(context(set).map((entry) => entry.actor)).toEqual(coordinators);
    expect(toObject(context(set))).toEqual({ n1: 17, n2: 17, n3: 16 });
    expect(liveValues(set).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, k) => k));
  });

  it('folds the context into the set, so a version the client read on another replica drops on sync', () => {
    const atSy = update(empty<string>(), emptyClock, 'Sy', live('on Sy'));
    const atSx = update(empty<string>(), read(atSy), 'Sx', live('supersedes'));
    expect(liveValues(sync(atSx, atSy))).toEqual(['supersedes']);
    expect(liveValues(sync(atSy, atSx))).toEqual(['supersedes']);
  });

  it('stores a delete as a tombstone version that a later write can replace', () => {
    const written = update(empty<string>(), emptyClock, 'Sx', live('v'));
    const deleted = update(written, read(written), 'Sx', tombstone);
    expect(isTombstoneOnly(deleted)).toBe(true);
    expect(values(deleted)).toEqual([{ tombstone: true, dot: { actor: 'Sx', counter: 2 } }]);
    const rewritten = update(deleted, read(deleted), 'Sx', live('back'));
    expect(isTombstoneOnly(rewritten)).toBe(false);
    expect(liveValues(rewritten)).toEqual(['back']);
  });

  it('refuses a write past siblingsMax with too-many-siblings, and accepts a covering write', () => {
    let set = empty<number>();
    for (let k = 0; k < siblingsMax; k++) set = update(set, emptyClock, 'Sx', live(k));
    let code: string | undefined;
    try {
      update(set, emptyClock, 'Sx', live(-1));
    } catch (error) {
      code = isVclockError(error) ? error.code : 'other';
    }
    expect(code).toBe('too-many-siblings');
    expect(siblingCount(set)).toBe(siblingsMax);
    expect(siblingCount(update(set, read(set), 'Sx', live(-1)))).toBe(1);
  });

  it('honours a per-call siblingsMax', () => {
    const one = update(empty<number>(), emptyClock, 'Sx', live(1));
    expect(() => update(one, emptyClock, 'Sx', live(2), { siblingsMax: 1 })).toThrow(/siblingsMax 1/);
  });

  it('never mutates the set it was given', () => {
    const before = update(empty<string>(), emptyClock, 'Sx', live('a'));
    const snapshot = JSON.stringify(before);
    update(before, emptyClock, 'Sx', live('b'));
    update(before, read(before), 'Sy', live('c'));
    expect(JSON.stringify(before)).toBe(snapshot);
  });
});

describe('sync', () => {
  it('keeps a concurrent sibling from each side and drops one the other side superseded', () => {
    const base = update(empty<string>(), emptyClock, 'Sx', live('base'));
    const left = update(base, read(base), 'Sx', live('left'));
    const right = update(base, emptyClock, 'Sy', live('right'));
    const joined = sync(left, right);
    expect(liveValues(joined).sort()).toEqual(['left', 'right']);
    expect(toObject(context(joined))).toEqual({ Sx: 2, Sy: 1 });
  });

  it('returns the same set when syncing with itself or with empty', () => {
    const set = update(empty<string>(), emptyClock, 'Sx', live('a'));
    expect(sync(set, set)).toBe(set);
    expect(sync(set, empty())).toBe(set);
    expect(sync(empty(), set)).toBe(set);
  });
});

describe('values, siblingCount and isTombstoneOnly', () => {
  it('list siblings by actor, newest first, with their dots', () => {
    let set = update(empty<string>(), emptyClock, 'b', live('b1'));
    set = update(set, emptyClock, 'a', live('a1'));
    set = update(set, emptyClock, 'a', live('a2'));
    expect(values(set).map((sibling) => `${sibling.dot.actor}${sibling.dot.counter}`)).toEqual(['a2', 'a1', 'b1']);
    expect(siblingCount(set)).toBe(3);
  });

  it('isTombstoneOnly is false for an empty set and for a set with any live value', () => {
    expect(isTombstoneOnly(empty())).toBe(false);
    let set = update(empty<string>(), emptyClock, 'Sx', tombstone as Payload<string>);
    set = update(set, emptyClock, 'Sy', live('alive'));
    expect(isTombstoneOnly(set)).toBe(false);
  });
});

describe('reconcile', () => {
  it('replaces all siblings by the merged value written at the given actor', () => {
    let set = update(empty<number[]>(), emptyClock, 'Sx', live([1]));
    set = update(set, emptyClock, 'Sy', live([2]));
    const seen: number[][] = [];
    const merged = reconcile(
      set,
      (siblings) => {
        for (const sibling of siblings) if (!sibling.tombstone) seen.push(sibling.value);
        return live(seen.flat().sort());
      },
      'Sz',
    );
    expect(seen.sort()).toEqual([[1], [2]]);
    expect(values(merged)).toEqual([{ tombstone: false, value: [1, 2], dot: { actor: 'Sz', counter: 1 } }]);
    expect(toObject(context(merged))).toEqual({ Sx: 1, Sy: 1, Sz: 1 });
    // A replica that still holds the old siblings drops them when it syncs.
    expect(liveValues(sync(set, merged))).toEqual([[1, 2]]);
  });

  it('returns a set of at most one sibling unchanged without calling merge', () => {
    const one = update(empty<string>(), emptyClock, 'Sx', live('only'));
    const never = (): Payload<string> => {
      throw new Error('merge must not be called');
    };
    expect(reconcile(one, never, 'Sy')).toBe(one);
    expect(reconcile(empty<string>(), never, 'Sy')).toEqual(empty());
  });
});

describe('context', () => {
  it('is a clock with each actor counter and no timestamps', () => {
    let set = update(empty<string>(), fromObject({ Sq: 4 }), 'Sx', live('a'));
    set = update(set, emptyClock, 'Sx', live('b'));
    expect(toObject(context(set))).toEqual({ Sq: 4, Sx: 2 });
    expect(context(set).every((entry) => entry.lastModifiedMs === 0)).toBe(true);
  });
});

describe('checkDvvSet', () => {
  it('accepts a set that went through JSON and returns an equal set', () => {
    let set = update(empty<string>(), emptyClock, 'Sx', live('a'));
    set = update(set, emptyClock, 'Sy', tombstone as Payload<string>);
    const parsed = checkDvvSet(JSON.parse(JSON.stringify(set)), (value) => {
      if (typeof value !== 'string') throw new TypeError('not a string');
      return value;
    });
    expect(parsed).toEqual(set);
  });

  it('rejects malformed shapes, orders, counters and payloads as malformed', () => {
    const entry = (actor: string, counter: number, versions: unknown[]) => ({ actor, counter, versions });
    const cases: Record<string, unknown> = {
      'not an object': 42,
      'no entries': {},
      'unsorted actors': { entries: [entry('b', 1, []), entry('a', 1, [])] },
      'duplicate actors': { entries: [entry('a', 1, []), entry('a', 2, [])] },
      'zero counter': { entries: [entry('a', 0, [])] },
      'more versions than the counter': { entries: [entry('a', 1, [{ tombstone: true }, { tombstone: true }])] },
      'payload without tombstone flag': { entries: [entry('a', 1, [{ value: 1 }])] },
      'live payload without value': { entries: [entry('a', 1, [{ tombstone: false }])] },
      'empty actor': { entries: [entry('', 1, [])] },
      'too many siblings': {
        entries: Array.from({ length: 2 }, (_, k) =>
          entry(`n${k}`, limits.parsedSiblingsMax, new Array(limits.parsedSiblingsMax).fill({ tombstone: true })),
        ),
      },
    };
    for (const [name, data] of Object.entries(cases)) {
      let code: string | undefined;
      try {
        checkDvvSet(data);
      } catch (error) {
        code = isVclockError(error) ? error.code : `other: ${String(error)}`;
      }
      expect(code, name).toBe('malformed');
    }
  });
});

describe('update with a forged context', () => {
  it('refuses with invalid-argument, rather than crashing, when the coordinator counter cannot grow', () => {
    const forged = [{ actor: 'Sx', counter: Number.MAX_SAFE_INTEGER, lastModifiedMs: 0 }];
    expect(() => update(empty<number>(), forged, 'Sx', live(1))).toThrow(
      expect.objectContaining({ name: 'VclockError', code: 'invalid-argument' }),
    );
  });
});

describe('update options', () => {
  it('rejects a siblingsMax that is not a positive integer', () => {
    expect(() => update(empty<number>(), emptyClock, 'Sx', live(1), { siblingsMax: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    );
  });
});
