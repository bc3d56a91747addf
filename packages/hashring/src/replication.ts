/**
 * Replication: how many replicas a key has, and where.
 *
 * A `Replication` is either a plain count n (the whole ring is one data
 * center: n distinct machines, distinct racks first) or a replication map
 * `{ dc1: 3, dc2: 2 }` (in each named DC, its count of distinct machines of
 * that DC, distinct racks first; nodes of DCs the map does not name hold no
 * replicas).
 *
 * Invariants:
 *   1. A valid map has 1 to `replicasMax` entries, each a DC name of 1 to
 *      `dcLengthMax` characters with an integer count in [1, replicasMax],
 *      and the counts sum to at most `replicasMax`.
 *   2. `replicationKey` is equal for equal replications (a map's entry order
 *      does not matter), so caches keyed by it are shared.
 *   3. Validation of a map object runs once per object (a WeakMap remembers
 *      it): callers pass the same map on every lookup, so the hot path pays
 *      one WeakMap probe, never a re-validation. Gotcha: a map object must
 *      not be changed after its first use (it is `Readonly`); build a new one.
 */
import type { RingCore } from './core.js';
import { HashRingError } from './errors.js';
import { dcLengthMax, replicasMax } from './limits.js';

/** Replicas per data center: `{ dc1: 3, dc2: 2 }`. */
export type ReplicationMap = Readonly<Record<string, number>>;

/** A plain replica count (one DC) or a replication map. */
export type Replication = number | ReplicationMap;

/** A checked replication: its entries sorted by DC name, total and cache key. */
export interface ValidReplication {
  /** `[dc, count]` sorted by DC name; empty for a plain count. */
  readonly entries: readonly (readonly [string, number])[];
  /** Replicas per key wanted in all (n, or the sum of the map). */
  readonly total: number;
  /** Equal for equal replications (invariant 2). */
  readonly key: string;
}

const checked = new WeakMap<object, ValidReplication>();
const plain: ValidReplication[] = [];

/**
 * `replication` checked (invariant 1). Throws `invalid-argument` for a count
 * that is not an integer in [1, replicasMax] or a malformed map.
 */
export function checkReplication(replication: Replication): ValidReplication {
  if (typeof replication === 'number') {
    const known = plain[replication];
    if (known !== undefined) return known;
    if (!Number.isInteger(replication) || replication < 1 || replication > replicasMax) {
      throw new HashRingError('invalid-argument', `n must be an integer in [1, ${replicasMax}], got ${replication}`);
    }
    return (plain[replication] = { entries: [], total: replication, key: String(replication) });
  }
  if (typeof replication !== 'object' || replication === null) {
    throw new HashRingError('invalid-argument', `replication must be a count or a map of data center to count, got ${String(replication)}`);
  }
  const known = checked.get(replication);
  if (known !== undefined) return known;
  const valid = checkMap(replication);
  checked.set(replication, valid);
  return valid;
}

function checkMap(map: ReplicationMap): ValidReplication {
  const entries = Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) throw new HashRingError('invalid-argument', 'a replication map names at least one data center');
  let total = 0;
  for (const [dc, count] of entries) {
    if (dc.length === 0 || dc.length > dcLengthMax) {
      throw new HashRingError('invalid-argument', `a data center name is 1 to ${dcLengthMax} characters, got ${JSON.stringify(dc)}`);
    }
    if (!Number.isInteger(count) || count < 1 || count > replicasMax) {
      throw new HashRingError('invalid-argument', `data center ${JSON.stringify(dc)}: replicas must be an integer in [1, ${replicasMax}], got ${String(count)}`);
    }
    total += count;
  }
  if (total > replicasMax) throw new HashRingError('invalid-argument', `a replication map holds at most ${replicasMax} replicas in all, got ${total}`);
  return { entries, total, key: entries.map(([dc, count]) => `${dc}:${count}`).join(',') };
}

/**
 * The replicas wanted in each slot of a walk on `core`, already clipped to the
 * machines the slot holds: one slot (the whole ring) for a plain count, one per
 * DC index for a map (0 for DCs the map does not name).
 */
export function slotNeeds(core: RingCore, valid: ValidReplication): Int32Array {
  // Callers pass one replication over and over: remember the last one without hashing its key.
  const last = core.lastNeeds;
  if (last.valid === valid) return last.needs;
  const cached = core.needs.get(valid.key);
  if (cached !== undefined) {
    last.valid = valid;
    last.needs = cached;
    return cached;
  }
  let needs: Int32Array;
  if (valid.entries.length === 0) needs = Int32Array.of(Math.min(valid.total, core.machineCount));
  else {
    needs = new Int32Array(core.dcNames.length);
    for (const [dc, count] of valid.entries) {
      const at = core.dcNames.indexOf(dc);
      if (at >= 0) needs[at] = Math.min(count, core.machinesPerDc[at] as number);
    }
  }
  core.needs.set(valid.key, needs);
  return needs;
}

/** Replicas a full walk yields on `core`: the sum of `slotNeeds` (every preference list has this length). */
export function listLength(core: RingCore, valid: ValidReplication): number {
  if (core.owner.length === 0) return 0;
  return slotNeeds(core, valid).reduce((sum, n) => sum + n, 0);
}

/**
 * `replication` in its canonical text form: `3`, or `dc1:3,dc2:2` (DCs sorted).
 * Throws like `checkReplication`.
 */
export function formatReplication(replication: Replication): string {
  return checkReplication(replication).key;
}

/**
 * Parses `3` or `dc1:3,dc2:2` (the form of `--replicas` and of
 * `formatReplication`). Throws `invalid-argument` for anything else, naming
 * the bad part, or for a map that fails `checkReplication`.
 */
export function parseReplication(text: string): Replication {
  const s = String(text).trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    checkReplication(n);
    return n;
  }
  const map: Record<string, number> = {};
  for (const part of s.split(',')) {
    const match = /^\s*([^:,\s]+)\s*:\s*(\d+)\s*$/.exec(part);
    if (match === null) throw new HashRingError('invalid-argument', `replication ${JSON.stringify(s)}: expected dc:count[,dc:count…], got ${JSON.stringify(part)}`);
    const [, dc, count] = match as unknown as [string, string, string];
    if (Object.hasOwn(map, dc)) throw new HashRingError('invalid-argument', `replication ${JSON.stringify(s)} names data center ${JSON.stringify(dc)} twice`);
    map[dc] = Number(count);
  }
  checkReplication(map);
  return map;
}
