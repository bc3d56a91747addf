/**
 * Membership of a position in a ring range, the one place the half-open,
 * wrapping convention of `RingRange` is spelled out as code.
 *
 * Invariants:
 *   1. (start, end] with start < end holds start < p ≤ end.
 *   2. start > end wraps through 0: it holds p > start or p ≤ end.
 *   3. start = end is the whole ring (only ever reported for a single range).
 */
import { checkPosition, type RingPosition } from './position.js';
import type { RingRange } from './ranges.js';

/**
 * True when `position` lies in the half-open, possibly wrapping range
 * (start, end]: start < p ≤ end; or, when start > end, p > start or p ≤ end;
 * or, when start = end, always (the whole ring). Throws `invalid-argument` for
 * a position outside [0, 2^64).
 *
 * To scan a range in a store keyed by `positionToBytes`, read keys whose
 * position is > start (exclusive lower bound) and ≤ end, splitting a wrapping
 * range into (start, positionMax] and [0, end].
 */
export function rangeContains(range: RingRange, position: RingPosition): boolean {
  checkPosition(position);
  const { start, end } = range;
  if (start < end) return start < position && position <= end;
  if (start > end) return position > start || position <= end;
  return true;
}
