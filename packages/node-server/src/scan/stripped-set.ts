/**
 * A stored sibling set without its values: what a replica sends a scan's
 * coordinator so it can merge the replicas' views of a key (DVV `sync`)
 * and tell whether the key is live, at the cost of the causal metadata
 * only (a value may be 1 MiB; its dot is a few bytes).
 *
 * Invariants:
 *   1. Stripping keeps every entry, counter and version, each version's
 *      tombstone flag and its ttl deadline (`expiresAtMs`): `sync` of stripped sets has exactly the
 *      versions (by dot) of `sync` of the full sets, so liveness agrees.
 *   2. A key is live when its merged set holds a version that a read at
 *      the coordinator's `now` returns: not a tombstone, not expired
 *      (vclock `isVisible`, as a get decides `found`).
 */
import { isVisible, sync } from '@ringkv/vclock';
import type { StoredSet } from '../store/set-codec.js';

const none = new Uint8Array(0);

/** `set` with every value replaced by empty bytes (invariant 1). */
export function strippedSet(set: StoredSet): StoredSet {
  return { entries: set.entries.map((e) => ({ actor: e.actor, counter: e.counter, versions: e.versions.map((v) => (v.tombstone ? v : v.expiresAtMs === undefined ? { tombstone: false as const, value: none } : { tombstone: false as const, value: none, expiresAtMs: v.expiresAtMs })) })) };
}

/** The DVV merge of the replicas' sets of one key. */
export function mergeSets(sets: readonly StoredSet[]): StoredSet | undefined {
  let out: StoredSet | undefined;
  for (const set of sets) out = out === undefined ? set : sync(out, set);
  return out;
}

/** True when the set holds a value a read at `nowMs` returns (invariant 2). */
export function isLive(set: StoredSet, nowMs: number): boolean {
  return set.entries.some((e) => e.versions.some((v) => isVisible(v, nowMs)));
}
