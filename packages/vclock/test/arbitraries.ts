/**
 * fast-check generators shared by the property tests. Actors come from a small
 * alphabet so that random clocks overlap often enough for every ordering
 * ('before', 'after', 'equal', 'concurrent') to show up.
 */
import fc from 'fast-check';
import { type ClockEntry, type VClock, checkActor } from '../src/index.js';

export const actors = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

/** Builds a canonical clock from (actor, counter, timestamp) triples; later duplicates win, zero counters vanish. */
export function clockOf(triples: readonly (readonly [string, number, number])[]): VClock {
  const byActor = new Map<string, ClockEntry>();
  for (const [actor, counter, lastModifiedMs] of triples) byActor.set(actor, { actor, counter, lastModifiedMs });
  return [...byActor.values()]
    .filter((entry) => entry.counter > 0)
    .sort((x, y) => (x.actor < y.actor ? -1 : 1));
}

/** A clock over the small alphabet, counters 0–4, timestamps 0–3 (so ties happen). */
export const smallClock: fc.Arbitrary<VClock> = fc
  .array(fc.tuple(fc.constantFrom(...actors), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 })), {
    maxLength: 6,
  })
  .map(clockOf);

/** Any valid actor id: arbitrary Unicode, possibly long, well-formed. */
export const anyActor: fc.Arbitrary<string> = fc
  .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 300 }))
  .filter((actor) => {
    try {
      checkActor(actor);
      return true;
    } catch {
      return false;
    }
  });

/** A clock with any actors and counters/timestamps spanning the whole safe-integer range. */
export const wideClock: fc.Arbitrary<VClock> = fc
  .array(
    fc.tuple(
      anyActor,
      fc.oneof(fc.integer({ min: 1, max: 200 }), fc.maxSafeNat().map((n) => Math.max(1, n))),
      fc.oneof(fc.constant(0), fc.maxSafeNat()),
    ),
    { maxLength: 8 },
  )
  .map(clockOf);
