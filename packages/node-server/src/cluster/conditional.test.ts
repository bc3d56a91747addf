import { context, empty, live, tombstone, update, type VClock } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import type { StoredSet, StoredValue } from '../store/set-codec.js';
import { conditionOf, judgeCondition } from './conditional.js';

const v = (text: string): StoredValue => new TextEncoder().encode(text);

describe('judgeCondition', () => {
  it('ifAbsent holds for a key never written, a tombstone-only key and one whose values all expired, and writes with the read context', () => {
    expect(judgeCondition('if-absent', empty<StoredValue>(), [], 0)).toEqual({ granted: true, context: [] });
    const deleted = update(empty<StoredValue>(), [], 'a', tombstone);
    expect(judgeCondition('if-absent', deleted, [], 0)).toEqual({ granted: true, context: context(deleted) });
    const expiring = update(empty<StoredValue>(), [], 'a', live(v('x'), 100));
    expect(judgeCondition('if-absent', expiring, [], 100)).toEqual({ granted: true, context: context(expiring) });
    expect(judgeCondition('if-absent', expiring, [], 99).granted).toBe(false);
  });

  it('ifAbsent fails when any sibling is a live value', () => {
    const set: StoredSet = update(update(empty<StoredValue>(), [], 'a', tombstone), [], 'b', live(v('x')));
    expect(judgeCondition('if-absent', set, [], 0)).toMatchObject({ granted: false, reason: expect.stringMatching(/ifAbsent/) });
  });

  it('ifMatch holds iff the client context covers every stored version, and writes with the client context', () => {
    const first = update(empty<StoredValue>(), [], 'a', live(v('1')));
    const read: VClock = context(first);
    expect(judgeCondition('if-match', first, read, 0)).toEqual({ granted: true, context: read });
    const newer = update(first, read, 'b', live(v('2')));
    expect(judgeCondition('if-match', newer, read, 0)).toMatchObject({ granted: false, reason: expect.stringMatching(/ifMatch/) });
    // A delete since the read is a version the context does not cover, too.
    expect(judgeCondition('if-match', update(first, read, 'a', tombstone), read, 0).granted).toBe(false);
    // Expiry writes nothing: a value that expired since the read still matches.
    const expiring = update(empty<StoredValue>(), [], 'a', live(v('1'), 10));
    expect(judgeCondition('if-match', expiring, context(expiring), 1_000).granted).toBe(true);
  });

  it('reads the condition of an op: none, ifAbsent or ifMatch', () => {
    expect(conditionOf({})).toBeUndefined();
    expect(conditionOf({ ifAbsent: true })).toBe('if-absent');
    expect(conditionOf({ ifMatch: true })).toBe('if-match');
  });
});
