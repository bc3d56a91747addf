/**
 * Pruning of version vectors past a size threshold, with Riak's four knobs
 * (`small_vclock`, `big_vclock`, `young_vclock`, `old_vclock`).
 *
 * The rule, applied to the entries ordered oldest first (by lastModifiedMs,
 * then actor, so ties are deterministic): while the clock has more than
 * `smallVclock` entries and its oldest entry is not young
 * (`nowMs - lastModifiedMs >= youngVclockMs`), remove that entry if the clock
 * has more than `bigVclock` entries or the entry is old
 * (`nowMs - lastModifiedMs > oldVclockMs`); otherwise stop.
 *
 * Invariants:
 *   1. The result is `clock` minus exactly the entries in `pruned`, which are
 *      listed oldest first: prune(c) ≤ c entrywise, so `descends(c, prune(c))`.
 *   2. A clock of at most `smallVclock` entries is returned unchanged, and an
 *      entry younger than `youngVclockMs` is never removed.
 *   3. Time comes only from `nowMs`; an entry with lastModifiedMs 0 (unknown)
 *      counts as the oldest possible.
 *
 * What pruning costs (read before enabling it). Pruning forgets events, so a
 * pruned clock can only ever look *older* than the version it stamps, never
 * newer:
 *   - It never makes a version look like a descendant of one it did not
 *     descend: `descends(prune(a), b)` implies `descends(a, b)`. So pruning the
 *     winner of a comparison cannot turn a sibling into a silent overwrite.
 *   - It can make a descendant look concurrent: a write built on the pruned
 *     clock no longer covers the entry a replica still holds, so that replica
 *     keeps both — a spurious sibling, which the next resolving write removes.
 *   - It can also make the pruned version itself look dominated: if `a` was
 *     concurrent with (or newer than) `b` only through a pruned entry, then
 *     `b` now descends `prune(a)` and a store comparing them would discard
 *     `a`'s value. The `youngVclockMs` and `oldVclockMs` bounds are what keep
 *     this theoretical: an entry is pruned only after it is old enough that
 *     every replica should already have seen the versions it orders. That is a
 *     bet on timing, not a proof — which is why `prune` reports what it
 *     removed and why ringkv's per-key sibling sets (DVV sets, one entry per
 *     coordinator) are not pruned at all.
 *   - Order matters: stamp the write first (`increment(clock, me, nowMs)`),
 *     then prune. The fresh entry is young (given youngVclockMs > 0), so it
 *     survives, and the new version is never older than or equal to the one
 *     it replaces. Pruning first and then incrementing can drop the
 *     coordinator's own entry and restart its counter, so the new write can
 *     compare 'equal' to an old, different version.
 */
import { type ClockEntry, type VClock } from './clock.js';
import { VclockError } from './errors.js';
import * as limits from './limits.js';

/** The knobs of `prune`; every field but `nowMs` defaults to limits.ts (Riak's defaults). */
export interface PruneOptions {
  /** The caller's current time, ms, on the same clock as the entries' lastModifiedMs. */
  readonly nowMs: number;
  /** A clock with at most this many entries is never pruned. Default 50. */
  readonly smallVclock?: number;
  /** Past this many entries, non-young entries are pruned oldest first regardless of age. Default 50. */
  readonly bigVclock?: number;
  /** Entries modified less than this long ago are never pruned. Default 20 000 ms. */
  readonly youngVclockMs?: number;
  /** Entries older than this are pruned (oldest first) while the clock exceeds smallVclock. Default 1 day. */
  readonly oldVclockMs?: number;
}

/** What `prune` returns: the pruned clock and the entries it removed, oldest first (empty when nothing was). */
export interface PruneResult {
  readonly clock: VClock;
  readonly pruned: readonly ClockEntry[];
}

/**
 * Removes old entries from a clock grown past `smallVclock` (rule and costs in
 * the module header) and reports them so the caller can log or count the prune.
 *
 * When to use: on a version vector you store per object, when writing it,
 * after stamping the write with `increment(clock, coordinator, nowMs)`.
 * Gotcha: do not prune DVV set contexts (see README); pruning forgets
 * causality and can create spurious siblings.
 * Errors: VclockError('invalid-argument') for a negative or non-integer option.
 */
export function prune(clock: VClock, options: PruneOptions): PruneResult {
  const knobs = resolveOptions(options);
  if (clock.length <= knobs.smallVclock) return { clock, pruned: [] };
  const oldestFirst = clock.slice().sort(byAgeThenActor);
  const pruned: ClockEntry[] = [];
  let size = clock.length;
  for (const entry of oldestFirst) {
    if (size <= knobs.smallVclock) break;
    const ageMs = knobs.nowMs - entry.lastModifiedMs;
    if (ageMs < knobs.youngVclockMs) break;
    if (!(size > knobs.bigVclock || ageMs > knobs.oldVclockMs)) break;
    pruned.push(entry);
    size--;
  }
  if (pruned.length === 0) return { clock, pruned };
  const removed = new Set(pruned);
  return { clock: clock.filter((entry) => !removed.has(entry)), pruned };
}

function byAgeThenActor(x: ClockEntry, y: ClockEntry): number {
  if (x.lastModifiedMs !== y.lastModifiedMs) return x.lastModifiedMs - y.lastModifiedMs;
  return x.actor < y.actor ? -1 : 1;
}

function resolveOptions(options: PruneOptions): Required<PruneOptions> {
  const knobs = {
    nowMs: options.nowMs,
    smallVclock: options.smallVclock ?? limits.smallVclock,
    bigVclock: options.bigVclock ?? limits.bigVclock,
    youngVclockMs: options.youngVclockMs ?? limits.youngVclockMs,
    oldVclockMs: options.oldVclockMs ?? limits.oldVclockMs,
  };
  for (const [name, value] of Object.entries(knobs)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new VclockError('invalid-argument', `prune option ${name} must be a non-negative integer, got ${value}`);
    }
  }
  return knobs;
}
