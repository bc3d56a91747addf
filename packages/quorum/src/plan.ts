/**
 * Which nodes a request talks to.
 *
 * Invariants:
 *   1. `targets` never holds a node in the down set (the coordinator itself is never down to itself).
 *   2. Sloppy: one target per primary that is up or has a stand-in, in preference
 *      order (hashring's sloppy list); `unplaced` are the down primaries left
 *      without a stand-in (fewer healthy nodes than N).
 *   3. Strict: the primaries that are up; `unplaced` are all the down primaries.
 *   4. Every target and unplaced primary has a DC: its ring member's `dc` ('' when
 *      unlabelled); a stand-in's is its primary's (hashring places stand-ins in
 *      the primary's DC, so both are the same).
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
  /** The DC its acks count for (invariant 4). */
  readonly dc: string;
}

/** The plan of one request. */
export interface Plan {
  /** The key's true preference list (hashring: N nodes, or each DC's count of the map, fewer where machines are missing). */
  readonly preference: readonly string[];
  readonly targets: readonly Target[];
  readonly unplaced: readonly string[];
  /** The DC of each unplaced primary, in `unplaced` order. */
  readonly unplacedDcs: readonly string[];
  /** The key's replicas per DC: the replication map's counts, else the preference list's (consistency levels resolve against it). */
  readonly replicasPerDc: ReadonlyMap<string, number>;
}

/** Plans a request for `key` on `ring` with `n` replicas (a count, or a replication map per DC), given who is down. */
export function planRequest(ring: HashRing, key: Key, n: Replication, down: ReadonlySet<string>, mode: QuorumMode): Plan {
  const preference = ring.preferenceList(key, n);
  const dcOf = (node: string): string => ring.node(node)?.dc ?? '';
  const replicasPerDc = perDc(preference, dcOf, n);
  const primary = (node: string): Target => ({ node, role: 'primary', dc: dcOf(node) });
  const done = (targets: Target[], unplaced: string[]): Plan => ({ preference, targets, unplaced, unplacedDcs: unplaced.map(dcOf), replicasPerDc });
  // The common case: everyone is up, the sloppy list is the preference list; skip the second walk.
  if (down.size === 0) return done(preference.map(primary), []);
  if (mode === 'strict') return done(preference.filter((p) => !down.has(p)).map(primary), preference.filter((p) => down.has(p)));
  const sloppy = ring.sloppyPreferenceList(key, n, down);
  const placed = new Set(sloppy.map((e) => e.hintFor).filter((h): h is string => h !== undefined));
  return done(
    sloppy.map((e) => (e.hintFor === undefined ? primary(e.node) : { node: e.node, role: 'fallback', hintFor: e.hintFor, dc: dcOf(e.hintFor) })),
    preference.filter((p) => down.has(p) && !placed.has(p)),
  );
}

/** Replicas per DC: the map's counts when `n` is one, else the preference list's nodes by DC. */
function perDc(preference: readonly string[], dcOf: (node: string) => string, n: Replication): Map<string, number> {
  if (typeof n !== 'number') return new Map(Object.entries(n));
  const out = new Map<string, number>();
  for (const node of preference) out.set(dcOf(node), (out.get(dcOf(node)) ?? 0) + 1);
  return out;
}
