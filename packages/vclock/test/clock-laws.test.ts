/**
 * Property tests of the version-vector laws, the binary encoding and pruning.
 * Seeded and replayable: a failure message names its seed; SEED=… replays it.
 */
import fc from 'fast-check';
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import {
  type VClock,
  compare,
  decodeClock,
  decodeContext,
  descends,
  encodeClock,
  encodeContext,
  equals,
  increment,
  isVclockError,
  merge,
  prune,
  withoutTimestamps,
} from '../src/index.js';
import { actors, clockOf, smallClock, wideClock } from './arbitraries.js';

const numRuns = 400;

describe('merge', () => {
  const seed = testSeed(2001);
  it('is commutative, associative and idempotent, timestamps included', () => {
    fc.assert(
      fc.property(smallClock, smallClock, smallClock, (a, b, c) => {
        expect(merge(a, b), seedNote(seed)).toEqual(merge(b, a));
        expect(merge(merge(a, b), c), seedNote(seed)).toEqual(merge(a, merge(b, c)));
        expect(merge(a, a), seedNote(seed)).toEqual(a);
      }),
      { seed, numRuns },
    );
  });

  it('is the least upper bound: it descends both inputs, and any clock descending both descends it', () => {
    fc.assert(
      fc.property(smallClock, smallClock, smallClock, (a, b, c) => {
        const m = merge(a, b);
        expect(descends(m, a) && descends(m, b), seedNote(seed)).toBe(true);
        if (descends(c, a) && descends(c, b)) expect(descends(c, m), seedNote(seed)).toBe(true);
      }),
      { seed, numRuns },
    );
  });
});

describe('descends', () => {
  const seed = testSeed(2002);
  it('is a partial order: reflexive, antisymmetric and transitive', () => {
    fc.assert(
      fc.property(smallClock, smallClock, smallClock, (a, b, c) => {
        expect(descends(a, a), seedNote(seed)).toBe(true);
        if (descends(a, b) && descends(b, a)) expect(equals(a, b), seedNote(seed)).toBe(true);
        if (descends(a, b) && descends(b, c)) expect(descends(a, c), seedNote(seed)).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  it('agrees with compare, and compare is antisymmetric', () => {
    const mirror = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
    fc.assert(
      fc.property(smallClock, smallClock, (a, b) => {
        const order = compare(a, b);
        expect(descends(a, b), seedNote(seed)).toBe(order === 'after' || order === 'equal');
        expect(descends(b, a), seedNote(seed)).toBe(order === 'before' || order === 'equal');
        expect(compare(b, a), seedNote(seed)).toBe(mirror[order]);
      }),
      { seed, numRuns },
    );
  });

  it('an increment strictly descends its input', () => {
    fc.assert(
      fc.property(smallClock, fc.constantFrom(...actors), (a, actor) => {
        expect(compare(increment(a, actor), a), seedNote(seed)).toBe('after');
      }),
      { seed, numRuns },
    );
  });

  it('the generator reaches every ordering, so the laws above are not vacuous', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(smallClock, smallClock, (a, b) => {
        seen.add(compare(a, b));
      }),
      { seed, numRuns },
    );
    expect([...seen].sort(), seedNote(seed)).toEqual(['after', 'before', 'concurrent', 'equal']);
  });
});

describe('binary encoding', () => {
  const seed = testSeed(2003);
  it('round-trips any clock, and equal clocks have equal bytes', () => {
    fc.assert(
      fc.property(wideClock, (clock) => {
        const bytes = encodeClock(clock);
        expect(decodeClock(bytes), seedNote(seed)).toEqual(clock);
        const rebuilt = clockOf(clock.map((e) => [e.actor, e.counter, e.lastModifiedMs] as const).reverse());
        expect(encodeClock(rebuilt), seedNote(seed)).toEqual(bytes);
        expect(decodeContext(encodeContext(clock)), seedNote(seed)).toEqual(withoutTimestamps(clock));
      }),
      { seed, numRuns },
    );
  });

  /** Decodes, returning whether it succeeded; any failure other than VclockError('malformed') fails the test. */
  function decodesCleanly(bytes: Uint8Array): boolean {
    try {
      const clock = decodeClock(bytes);
      // Only canonical encodings decode: re-encoding gives back the input.
      expect(encodeClock(clock), seedNote(seed)).toEqual(bytes);
      return true;
    } catch (error) {
      if (!(isVclockError(error) && error.code === 'malformed')) throw error;
      return false;
    }
  }

  it('decoding random bytes either yields a canonical clock or throws VclockError malformed', () => {
    const garbage = fc.tuple(fc.constantFrom(0, 1, 2, 255), fc.uint8Array({ maxLength: 48 })).map(
      ([flags, rest]) => Uint8Array.from([flags, ...rest]),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 48 }), garbage), (bytes) => {
        decodesCleanly(bytes);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('decoding a damaged valid encoding (bytes flipped, cut or added) never throws anything but malformed', () => {
    const damaged = fc
      .tuple(
        wideClock,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -3, max: 2 }),
      )
      .map(([clock, flips, cut]) => {
        const bytes = Array.from(encodeClock(clock));
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        if (cut < 0) bytes.length = Math.max(0, bytes.length + cut);
        for (let k = 0; k < cut; k++) bytes.push(k);
        return Uint8Array.from(bytes);
      });
    let decoded = 0;
    fc.assert(
      fc.property(damaged, (bytes) => {
        if (decodesCleanly(bytes)) decoded++;
      }),
      { seed, numRuns: 1000 },
    );
    // Some damage (a changed counter byte) still decodes: the test exercised both outcomes.
    expect(decoded, seedNote(seed)).toBeGreaterThan(0);
  });
});

describe('prune', () => {
  const seed = testSeed(2004);
  const pruneCase = fc.record({
    clock: fc
      .array(
        fc.tuple(
          fc.constantFrom(...actors, 'g', 'h', 'i', 'j'),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: 300 }),
        ),
        { maxLength: 10 },
      )
      .map(clockOf),
    nowMs: fc.integer({ min: 0, max: 400 }),
    smallVclock: fc.integer({ min: 0, max: 6 }),
    bigVclock: fc.integer({ min: 0, max: 10 }),
    youngVclockMs: fc.integer({ min: 0, max: 150 }),
    oldVclockMs: fc.integer({ min: 0, max: 300 }),
  });

  it('removes exactly the reported entries, oldest first, and the result is an ancestor of the input', () => {
    fc.assert(
      fc.property(pruneCase, ({ clock, ...options }) => {
        const { clock: kept, pruned } = prune(clock, options);
        expect(descends(clock, kept), seedNote(seed)).toBe(true);
        expect([...kept, ...pruned].sort((x, y) => (x.actor < y.actor ? -1 : 1)), seedNote(seed)).toEqual(clock);
        const older = (x: VClock[number], y: VClock[number]) =>
          x.lastModifiedMs < y.lastModifiedMs || (x.lastModifiedMs === y.lastModifiedMs && x.actor < y.actor);
        for (let k = 1; k < pruned.length; k++) expect(older(pruned[k - 1]!, pruned[k]!), seedNote(seed)).toBe(true);
        for (const gone of pruned) for (const stay of kept) expect(older(gone, stay), seedNote(seed)).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  it('never prunes a clock at or under smallVclock, nor an entry younger than youngVclockMs', () => {
    fc.assert(
      fc.property(pruneCase, ({ clock, ...options }) => {
        const { pruned, clock: kept } = prune(clock, options);
        if (clock.length <= options.smallVclock) expect(pruned, seedNote(seed)).toEqual([]);
        expect(kept.length, seedNote(seed)).toBeGreaterThanOrEqual(Math.min(clock.length, options.smallVclock));
        for (const entry of pruned) {
          expect(options.nowMs - entry.lastModifiedMs, seedNote(seed)).toBeGreaterThanOrEqual(options.youngVclockMs);
        }
      }),
      { seed, numRuns },
    );
  });

  it('stops only when the clock is small enough, its oldest entry young, or neither big nor old', () => {
    fc.assert(
      fc.property(pruneCase, ({ clock, ...options }) => {
        const { clock: kept } = prune(clock, options);
        const oldestAgeMs = Math.max(...kept.map((entry) => options.nowMs - entry.lastModifiedMs));
        const stopped =
          kept.length <= options.smallVclock ||
          oldestAgeMs < options.youngVclockMs ||
          (kept.length <= options.bigVclock && oldestAgeMs <= options.oldVclockMs);
        expect(stopped, seedNote(seed)).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  it('never makes a version look like a descendant of one it did not descend', () => {
    // In particular a concurrent pair stays concurrent or becomes 'before':
    // the pruned side never looks newer ('after') or the same ('equal').
    fc.assert(
      fc.property(pruneCase, smallClock, ({ clock, ...options }, other) => {
        const pruned = prune(clock, options).clock;
        if (!descends(clock, other)) expect(descends(pruned, other), seedNote(seed)).toBe(false);
        if (compare(clock, other) === 'concurrent') {
          expect(['concurrent', 'before'], seedNote(seed)).toContain(compare(pruned, other));
        }
      }),
      { seed, numRuns },
    );
  });

  it('a write stamped then pruned, as a coordinator does it, never looks older than or equal to what it replaces', () => {
    // The cost the README documents: the write may look concurrent with the
    // unpruned version (a spurious sibling) but never dominated by it, because
    // the coordinator's fresh entry is young and so survives the prune.
    const stampThenPrune = fc.tuple(pruneCase, fc.constantFrom(...actors), fc.integer({ min: 1, max: 150 }));
    fc.assert(
      fc.property(stampThenPrune, ([{ clock, ...options }, actor, youngVclockMs]) => {
        const stamped = increment(clock, actor, options.nowMs);
        const next = prune(stamped, { ...options, youngVclockMs }).clock;
        expect(['after', 'concurrent'], seedNote(seed)).toContain(compare(next, clock));
      }),
      { seed, numRuns },
    );
  });
});
