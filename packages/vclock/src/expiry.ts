/**
 * Expiry: how a set reads at a given time when some of its values carry a
 * deadline (`Payload.expiresAtMs`, set by a put with a ttl).
 *
 * The rule: at and after its deadline, by the clock of whoever judges, a
 * value reads as a tombstone of its own dot. Nothing in the set changes:
 * the version, its dot and the causal context stay, so `sync` and `update`
 * work as before, a write with the context read supersedes the expired
 * version, and a replica still holding the version hands back the same
 * deadline (invariant 2 of dvvset.ts), so it can never come back live on a
 * node whose clock has passed the deadline.
 *
 * Pure: the time is always an argument (no clocks here).
 *
 * Invariants:
 *   1. `isExpired` is monotonic in `nowMs`: once expired at t, expired at every t' ≥ t.
 *   2. `visibleSiblings(set, now)` ⊆ `values(set)`, and equals the values
 *      (tombstones dropped) when no sibling carries a deadline ≤ now.
 *   3. `isTombstoneOnlyAt(set, now)` implies `isTombstoneOrExpiringOnly(set)`.
 */
import { type DvvSet, type Payload, type Sibling, values } from './dvvset.js';

/** True when `payload` is a value whose deadline is at or before `nowMs`. Tombstones and values without a deadline never expire. */
export function isExpired<V>(payload: Payload<V>, nowMs: number): boolean {
  return !payload.tombstone && payload.expiresAtMs !== undefined && payload.expiresAtMs <= nowMs;
}

/** True when `payload` is a value that a read at `nowMs` returns: not a tombstone, not expired. */
export function isVisible<V>(payload: Payload<V>, nowMs: number): boolean {
  return !payload.tombstone && !isExpired(payload, nowMs);
}

/**
 * The siblings a read at `nowMs` returns: `values(set)` without the expired
 * ones (tombstones kept, as `values` gives them). Key listing (scan) should
 * hide a key for which this holds no value.
 */
export function visibleSiblings<V>(set: DvvSet<V>, nowMs: number): Sibling<V>[] {
  return values(set).filter((sibling) => !isExpired(sibling, nowMs));
}

/**
 * True when the set has siblings and, at `nowMs`, every one is a tombstone
 * or expired: the key reads as absent. `isTombstoneOnly` with expired values
 * counted as tombstones; the tombstone collector removes such a set under
 * the tombstone rules. False for `empty()`.
 */
export function isTombstoneOnlyAt<V>(set: DvvSet<V>, nowMs: number): boolean {
  let any = false;
  for (const entry of set.entries) {
    for (const payload of entry.versions) {
      if (isVisible(payload, nowMs)) return false;
      any = true;
    }
  }
  return any;
}

/**
 * True when the set has siblings and every one is a tombstone or a value
 * with a deadline: left alone, it becomes tombstone-only at some time (the
 * latest deadline). The node indexes such sets for the collector.
 */
export function isTombstoneOrExpiringOnly<V>(set: DvvSet<V>): boolean {
  return isTombstoneOnlyAt(set, Number.POSITIVE_INFINITY);
}
