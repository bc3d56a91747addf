/**
 * Which nodes a request talks to.
 *
 * Invariants:
 *   1. `targets` never holds a node in the down set (the coordinator itself is never down to itself).
 *   2. Sloppy: one target per primary that is up or has a stand-in, in preference
 *      order (hashring's sloppy list); `unplaced` are the down primaries left
 *      without a stand-in (fewer healthy nodes than N).
 *   3. Strict: the primaries that are up; `unplaced` are all the down primaries.
 */
import type { HashRing, Replication } from '@ringkv/hashring';
import type { QuorumMode } from './options.js';
import type { Key } from './ports.js';
import type { ReplicaRole } from './receipt.js';

/** A node a request sends to. */
export interface Target {
  readonly node: string;
  readonly role: ReplicaRole;
  readonly hintFor?: string;
}

/** The plan of one request. */
export interface Plan {
  /** The key's true preference list (hashring: N nodes, or each DC's count of the map, fewer where machines are missing). */
  readonly preference: readonly string[];
  readonly targets: readonly Target[];
  readonly unplaced: readonly string[];
}

/** Plans a request for `key` on `ring` with `n` replicas (a count, or a replication map per DC), given who is down. */
export function planRequest(ring: HashRing, key: Key, n: Replication, down: ReadonlySet<string>, mode: QuorumMode): Plan {
  const preference = ring.preferenceList(key, n);
  if (down.size === 0) {
    // The common case: everyone is up, the sloppy list is the preference list; skip the second walk.
    return { preference, targets: preference.map((node) => ({ node, role: 'primary' })), unplaced: [] };
  }
  if (mode === 'strict') {
    return {
      preference,
      targets: preference.filter((p) => !down.has(p)).map((node) => ({ node, role: 'primary' })),
      unplaced: preference.filter((p) => down.has(p)),
    };
  }
  const sloppy = ring.sloppyPreferenceList(key, n, down);
  const placed = new Set(sloppy.map((e) => e.hintFor).filter((h): h is string => h !== undefined));
  return {
    preference,
    targets: sloppy.map((e) => (e.hintFor === undefined ? { node: e.node, role: 'primary' } : { node: e.node, role: 'fallback', hintFor: e.hintFor })),
    unplaced: preference.filter((p) => down.has(p) && !placed.has(p)),
  };
}
