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
 *   3. `replicaIntervals` cuts the linear position space [0, 2^64 − 1] at
 *      the ring's tokens, so every position of an interval has the same
 *      replicas (the preference list found walking clockwise from its end)
 *      and no interval wraps.
 */
import { positionFromBytes, positionMax, positionToBytes, type HashRing, type Replication, type RingPosition } from '@ringkv/hashring';

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

/** One stretch of positions whose keys have the same replicas: (previous end, end]. */
export interface ReplicaInterval {
  readonly end: RingPosition;
  readonly replicas: readonly string[];
}

const intervalsByRing = new WeakMap<HashRing, { key: string; intervals: ReplicaInterval[] }>();

/**
 * The ring's positions cut into intervals with one replica set each
 * (invariant 3), ascending, the last ending at the last position; adjacent
 * cuts whose preference lists hold the same nodes are merged, so a small
 * cluster (every key on every node) is one interval and a scan asks each
 * replica for long runs of keys. Cached per ring and replication.
 */
export function replicaIntervals(ring: HashRing, replication: Replication): ReplicaInterval[] {
  const key = JSON.stringify(replication);
  const cached = intervalsByRing.get(ring);
  if (cached !== undefined && cached.key === key) return cached.intervals;
  const tokens = new Set<RingPosition>();
  for (const node of ring.nodes()) for (const t of ring.tokens(node.id)) tokens.add(t);
  const ends = [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ends[ends.length - 1] !== positionMax) ends.push(positionMax);
  const intervals: ReplicaInterval[] = [];
  let previous = '';
  for (const end of ends) {
    const replicas = ring.preferenceListAt(end, replication);
    const id = [...replicas].sort().join('\n');
    if (intervals.length > 0 && id === previous) intervals[intervals.length - 1] = { end, replicas: (intervals[intervals.length - 1] as ReplicaInterval).replicas };
    else intervals.push({ end, replicas });
    previous = id;
  }
  intervalsByRing.set(ring, { key, intervals });
  return intervals;
}

/** The interval holding position `p` (binary search over the ends). */
export function intervalAt(intervals: readonly ReplicaInterval[], p: RingPosition): ReplicaInterval {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((intervals[mid] as ReplicaInterval).end < p) lo = mid + 1;
    else hi = mid;
  }
  return intervals[lo] as ReplicaInterval;
}
