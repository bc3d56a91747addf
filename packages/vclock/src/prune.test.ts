import { describe, expect, it } from 'vitest';
import { type VClock, compare, descends, fromObject, increment, toObject } from './clock.js';
import { isVclockError } from './errors.js';
import { prune } from './prune.js';

/** A clock whose actor `aK` was last modified at `times[K]`. */
function aged(times: readonly number[]): VClock {
  return times.map((lastModifiedMs, k) => ({ actor: `a${k}`, counter: k + 1, lastModifiedMs }));
}

const knobs = { smallVclock: 2, bigVclock: 4, youngVclockMs: 100, oldVclockMs: 1000 };

describe('prune', () => {
  it('leaves a clock of at most smallVclock entries alone, however old', () => {
    const clock = aged([0, 0]);
    const result = prune(clock, { ...knobs, nowMs: 1_000_000 });
    expect(result.clock).toBe(clock);
    expect(result.pruned).toEqual([]);
  });

  it('removes old entries oldest first down to smallVclock and reports them', () => {
    const clock = aged([500, 10, 2000, 20]);
    const result = prune(clock, { ...knobs, nowMs: 5000 });
    expect(result.pruned.map((entry) => entry.actor)).toEqual(['a1', 'a3']);
    expect(result.clock.map((entry) => entry.actor)).toEqual(['a0', 'a2']);
  });

  it('stops at the first entry that is neither old nor beyond bigVclock', () => {
    // Ages 4990, 4000, 300, 200: the first two are old, the rest are not.
    const clock = aged([10, 1000, 4700, 4800]);
    const result = prune(clock, { ...knobs, smallVclock: 1, nowMs: 5000 });
    expect(result.pruned.map((entry) => entry.actor)).toEqual(['a0', 'a1']);
  });

  it('prunes past bigVclock even entries that are not old, but never young ones', () => {
    // Six entries, none old (ages ≤ 900); bigVclock 4 forces two out, oldest first.
    const clock = aged([4100, 4200, 4300, 4400, 4500, 4950]);
    expect(prune(clock, { ...knobs, nowMs: 5000 }).pruned.map((entry) => entry.actor)).toEqual(['a0', 'a1']);
    // If every entry is young, nothing goes, even past bigVclock.
    const young = aged([4950, 4960, 4970, 4980, 4990, 4999]);
    expect(prune(young, { ...knobs, nowMs: 5000 }).pruned).toEqual([]);
  });

  it('breaks timestamp ties by actor so the result is deterministic', () => {
    const clock = aged([0, 0, 0, 0, 0]);
    const result = prune(clock, { ...knobs, nowMs: 5000 });
    expect(result.pruned.map((entry) => entry.actor)).toEqual(['a0', 'a1', 'a2']);
  });

  it('uses Riak defaults when only nowMs is given: nothing pruned at 50 entries', () => {
    const clock = aged(Array.from({ length: 50 }, () => 0));
    expect(prune(clock, { nowMs: 10 ** 12 }).pruned).toHaveLength(0);
    expect(prune(aged(Array.from({ length: 51 }, () => 0)), { nowMs: 10 ** 12 }).pruned).toHaveLength(1);
  });

  it('rejects negative or fractional knobs as invalid-argument', () => {
    for (const bad of [{ smallVclock: -1 }, { oldVclockMs: 1.5 }, { nowMs: Number.NaN }]) {
      try {
        prune(aged([0]), { nowMs: 0, ...bad });
        expect.unreachable(JSON.stringify(bad));
      } catch (error) {
        expect(isVclockError(error) && error.code).toBe('invalid-argument');
      }
    }
  });

  it('can make a concurrent version look dominated: the documented cost of pruning', () => {
    // a and b are concurrent only through actor x; pruning a's old x entry
    // hides that, and b now descends the pruned a. The README says why the
    // young/old bounds make this a bet on timing rather than a guarantee.
    const a: VClock = [
      { actor: 'x', counter: 2, lastModifiedMs: 0 },
      { actor: 'y', counter: 1, lastModifiedMs: 9000 },
    ];
    const b = fromObject({ x: 1, y: 2 });
    expect(compare(a, b)).toBe('concurrent');
    const pruned = prune(a, { nowMs: 10_000, smallVclock: 1, bigVclock: 1, youngVclockMs: 100, oldVclockMs: 1000 });
    expect(toObject(pruned.clock)).toEqual({ y: 1 });
    expect(compare(pruned.clock, b)).toBe('before');
    // ...but the pruned clock itself never gains: it does not descend b.
    expect(descends(pruned.clock, b)).toBe(false);
  });
});

describe('prune before increment', () => {
  it('can restart the coordinator counter, which is why a coordinator stamps first and prunes second', () => {
    const stored: VClock = [{ actor: 'x', counter: 1, lastModifiedMs: 0 }];
    const options = { nowMs: 10_000, smallVclock: 0, bigVclock: 0, youngVclockMs: 100, oldVclockMs: 1000 };
    const wrongOrder = increment(prune(stored, options).clock, 'x', 10_000);
    expect(compare(wrongOrder, stored)).toBe('equal');
    const rightOrder = prune(increment(stored, 'x', 10_000), options).clock;
    expect(compare(rightOrder, stored)).toBe('after');
  });
});
