import { describe, expect, it } from 'vitest';
import { emptyClock } from './clock.js';
import { checkDvvSet, context, empty, live, sync, tombstone, update, values } from './dvvset.js';
import { isVclockError } from './errors.js';
import { isExpired, isTombstoneOnlyAt, isTombstoneOrExpiringOnly, isVisible, visibleSiblings } from './expiry.js';

describe('expiry', () => {
  it('hides a value from its deadline on and keeps it before', () => {
    const set = update(empty<string>(), emptyClock, 'a', live('v', 1000));
    expect(visibleSiblings(set, 999).map((s) => (s.tombstone ? null : s.value))).toEqual(['v']);
    expect(visibleSiblings(set, 1000)).toEqual([]);
    expect(isExpired(values(set)[0]!, 1000)).toBe(true);
    expect(isVisible(values(set)[0]!, 999)).toBe(true);
  });

  it('never expires a value without a deadline or a tombstone', () => {
    expect(isExpired(live('v'), Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(isExpired(tombstone, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('reads a set of expired values and tombstones as tombstone-only, but not an empty set', () => {
    const one = update(empty<string>(), emptyClock, 'a', live('v', 50));
    const two = update(one, emptyClock, 'b', tombstone);
    expect(isTombstoneOnlyAt(two, 49)).toBe(false);
    expect(isTombstoneOnlyAt(two, 50)).toBe(true);
    expect(isTombstoneOrExpiringOnly(two)).toBe(true);
    expect(isTombstoneOnlyAt(empty(), 0)).toBe(false);
    expect(isTombstoneOrExpiringOnly(update(two, emptyClock, 'c', live('forever')))).toBe(false);
  });

  it('keeps the expired dot in the context, so a write with the context read supersedes it', () => {
    const expired = update(empty<string>(), emptyClock, 'a', live('old', 10));
    const rewritten = update(expired, context(expired), 'b', live('new'));
    expect(values(rewritten).map((s) => (s.tombstone ? null : s.value))).toEqual(['new']);
  });

  it('cannot bring an expired version back through sync: the replica that still holds it holds its deadline', () => {
    const a = update(empty<string>(), emptyClock, 'a', live('v', 10));
    const merged = sync(empty<string>(), a);
    expect(isTombstoneOnlyAt(merged, 10)).toBe(true);
  });

  it('checks a decoded deadline and refuses a bad one', () => {
    const set = update(empty<string>(), emptyClock, 'a', live('v', 77));
    expect(checkDvvSet(JSON.parse(JSON.stringify(set)))).toEqual(set);
    const bad = { entries: [{ actor: 'a', counter: 1, versions: [{ tombstone: false, value: 'v', expiresAtMs: -1 }] }] };
    expect(() => checkDvvSet(bad)).toThrow(/deadline/);
    expect(() => live('v', 0)).toThrowError(expect.objectContaining({ code: 'invalid-argument' }));
    try {
      checkDvvSet(bad);
    } catch (error) {
      expect(isVclockError(error) && error.code).toBe('malformed');
    }
  });

  it('decodes a version without a deadline as one that never expires (the format before expiry)', () => {
    const old = { entries: [{ actor: 'a', counter: 1, versions: [{ tombstone: false, value: 'v' }] }] };
    expect(isTombstoneOrExpiringOnly(checkDvvSet(old))).toBe(false);
  });
});
