/**
 * A client request's consistency level, as the node hands it to the
 * coordinator: counts are checked against the replicas keys have now; named
 * levels pass through, for quorum resolves them per key against its replicas'
 * DCs and this node's DC (quorum README, "Consistency levels").
 */
import { protocolError, type ConsistencyLevel } from '@ringkv/protocol';
import type { Level } from '@ringkv/quorum';

/**
 * `level` for a request on a node whose keys have `n` replicas now
 * (`effectiveN`, of a cluster N of `clusterN`): the cluster default
 * (`fallback`) capped to n when none was asked; an explicit count above n is
 * `unavailable` (it cannot be met); a named level as it is.
 */
export function requestLevel(name: 'r' | 'w', level: ConsistencyLevel | undefined, fallback: number, n: number, clusterN: number): Level {
  if (level === undefined) return Math.min(fallback, n);
  if (typeof level === 'string') return level;
  if (level > n) {
    const why = n < clusterN ? ` while the ring has ${n} member${n === 1 ? '' : 's'} (N = ${clusterN})` : ` (N = ${n})`;
    throw protocolError('unavailable', `${name}=${level} cannot be met: keys have ${n} replica${n === 1 ? '' : 's'}${why}`);
  }
  return level;
}

/** True when `level` asks for exactly one reply with `n` replicas and one DC, so a lone node can answer from its store. */
export function isOneReply(level: Level, n: number): boolean {
  return level === 1 || level === 'one' || level === 'local-one' || n === 1;
}

/**
 * `level` as a plain count of replies out of `n`, for requests that count
 * replies over all replicas whatever their DC (a scan's runs): quorum's
 * `levelCount`, the one place a level becomes a count (quorum README,
 * "Consistency levels"; `local-*` and `each-quorum` count as their DC-blind
 * counterparts).
 */
export { levelCount } from '@ringkv/quorum';
