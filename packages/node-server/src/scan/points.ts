/**
 * Scan points: places in the order data keys are stored in (ring position,
 * 8 bytes big-endian, then user key bytes; store/keys.ts invariant 1). A
 * point is position ‖ key bytes (possibly none); "keys at or after point p"
 * compares a key's position ‖ key bytes with p bytewise.
 *
 * Invariants:
 *   1. `successorOf(k)` (k ‖ 0x00) is the least point after the key k: no
 *      key lies strictly between them, since a longer key with prefix k
 *      starts with k ‖ 0x00 or sorts after it.
 *   2. `pointAfterPosition(p)` (p + 1 with no key bytes) precedes every key
 *      at position p + 1 (user keys are never empty); undefined past the
 *      last position: the key space is done.
 *   3. `intervals` cuts the linear position space [0, 2^64 − 1] at the
 *      ring's tokens, so each interval has one preference list and no
 *      interval wraps.
 */
import { positionFromBytes, positionMax, positionToBytes, type HashRing, type RingPosition } from '@ringkv/hashring';

/** The point of a stored data key (`d ‖ position ‖ key`): a view without the prefix byte. */
export function pointOfStorageKey(skey: Uint8Array): Uint8Array {
  return skey.subarray(1);
}

/** The least point after key point `k` (invariant 1). A fresh buffer. */
export function successorOf(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(point.length + 1);
  out.set(point);
  return out;
}

/** The point where position `p + 1` begins, or undefined after the last position (invariant 2). */
export function pointAfterPosition(p: RingPosition): Uint8Array | undefined {
  return p === positionMax ? undefined : positionToBytes(p + 1n);
}

/** The point where position `p` begins. */
export function pointAtPosition(p: RingPosition): Uint8Array {
  return positionToBytes(p);
}

/** The ring position of a point. */
export function positionOfPoint(point: Uint8Array): RingPosition {
  return positionFromBytes(point.subarray(0, 8));
}

/** Byte order of two points. */
export function comparePoints(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Every token of the ring, ascending, without repeats. */
export function ringTokens(ring: HashRing): RingPosition[] {
  const all = new Set<RingPosition>();
  for (const node of ring.nodes()) for (const t of ring.tokens(node.id)) all.add(t);
  return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The end (inclusive) of the interval holding position `p` (invariant 3):
 * the first token at or after `p`, or the last position when no token is.
 * Every position of [previous token + 1, end] has the same preference list
 * as `end` (the one found walking clockwise from it).
 */
export function intervalEnd(tokens: readonly RingPosition[], p: RingPosition): RingPosition {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tokens[mid] as RingPosition) < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < tokens.length ? (tokens[lo] as RingPosition) : positionMax;
}
