/**
 * Consistency levels resolved into a predicate over acknowledgements per data
 * center: whom a request waits for (it is still sent to every target).
 *
 * A level is resolved against the key's replicas per DC (the replication map's
 * counts, or the preference list's when the cluster has no map) and the
 * coordinator's DC:
 *   - a count k, `one` (1), `quorum` (⌊N/2⌋ + 1) and `all` (N) count acks from
 *     any DC;
 *   - `local-one` (1) and `local-quorum` (a majority of the local DC's count)
 *     count only acks from the coordinator's DC;
 *   - `each-quorum` needs a majority of each DC's count in that DC.
 *
 * Invariants:
 *   1. `satisfied(acks)` ⇔ acks.total ≥ required and, for every DC d the
 *      level names, acks in d ≥ its need.
 *   2. `impossible(acks, inFlight)` ⇔ not `satisfied(acks + inFlight)`: the
 *      calls still in flight cannot make the level true whatever they answer.
 *      Hence never both `satisfied(acks)` and `impossible(acks, x)`.
 *   3. `required` = the sum of the per-DC needs for `each-quorum`, else the
 *      level's total count; it is what receipts show as R or W.
 *   4. `levelCount(level, n)` = `required` of the level's DC-blind
 *      counterpart (`local-one` → `one`, `local-quorum` and `each-quorum` →
 *      `quorum`) over n replicas: the one place a level becomes a plain count
 *      for requests that count replies from any DC alike (a scan's runs).
 */
import { QuorumError } from './errors.js';

/** A named consistency level (protocol's `NamedConsistencyLevel`). */
export type NamedLevel = 'one' | 'local-one' | 'quorum' | 'local-quorum' | 'each-quorum' | 'all';

/** A consistency level: a replica count or a named level. */
export type Level = number | NamedLevel;

/** The named levels. */
export const namedLevels: readonly NamedLevel[] = ['one', 'local-one', 'quorum', 'local-quorum', 'each-quorum', 'all'];

/** True for a named level. */
export function isNamedLevel(value: unknown): value is NamedLevel {
  return typeof value === 'string' && (namedLevels as readonly string[]).includes(value);
}

/** Counts of acks (or calls) in all and per DC. Mutable: a request keeps one per kind and adds to it. */
export class DcTally {
  total = 0;
  readonly byDc = new Map<string, number>();

  /** Adds `count` (may be negative) in `dc`. */
  add(dc: string, count = 1): void {
    this.total += count;
    this.byDc.set(dc, (this.byDc.get(dc) ?? 0) + count);
  }

  /** The count in `dc` (0 when none). */
  in(dc: string): number {
    return this.byDc.get(dc) ?? 0;
  }
}

/** What a resolved level needs; see the module invariants. */
export interface LevelPredicate {
  /** The level asked for. */
  readonly level: Level;
  /** Acks needed from any DC (invariant 3). */
  readonly required: number;
  /** Acks needed inside each listed DC (empty for levels that count every DC alike). */
  readonly perDc: ReadonlyMap<string, number>;
  /** True once `acks` meet the level (invariant 1). */
  satisfied(acks: DcTally): boolean;
  /** True when `acks` plus every call in flight still could not meet it (invariant 2). */
  impossible(acks: DcTally, inFlight: DcTally): boolean;
}

/** Where a level is resolved: the key's replica count per DC, its total N and the coordinator's DC. */
export interface LevelScope {
  /** N: the request's replica count (bounds counts; `quorum`/`all` are relative to it). */
  readonly n: number;
  /** Replicas per DC (the map's counts, or the preference list's); '' is the DC of unlabelled nodes. */
  readonly replicasPerDc: ReadonlyMap<string, number>;
  /** The coordinator's DC ('' when DCs are not configured). */
  readonly localDc: string;
}

/**
 * Resolves `level` in `scope`.
 *
 * Throws QuorumError `invalid-argument` for a count outside [1, N] or an
 * unknown name, and `no-local-replica` for `local-one`/`local-quorum` when the
 * coordinator's DC holds no replica of the key (nothing local to wait for:
 * refused rather than silently widened to another DC).
 */
export function levelPredicate(level: Level, scope: LevelScope): LevelPredicate {
  const { n, replicasPerDc, localDc } = scope;
  const majority = (count: number): number => Math.floor(count / 2) + 1;
  if (typeof level === 'number') {
    if (!Number.isInteger(level) || level < 1 || level > n) throw new QuorumError('invalid-argument', `a count must be an integer in [1, n=${n}], got ${level}`);
    return predicate(level, level, new Map());
  }
  switch (level) {
    case 'one':
      return predicate(level, 1, new Map());
    case 'quorum':
      return predicate(level, majority(n), new Map());
    case 'all':
      return predicate(level, n, new Map());
    case 'local-one':
    case 'local-quorum': {
      const local = replicasPerDc.get(localDc) ?? 0;
      if (local === 0) {
        throw new QuorumError('no-local-replica', `${level} cannot be served here: this node's DC ${JSON.stringify(localDc)} holds no replica of the key; ask a node of a DC that does, or use ${level === 'local-one' ? 'one' : 'quorum'}`);
      }
      const need = level === 'local-one' ? 1 : majority(local);
      return predicate(level, need, new Map([[localDc, need]]));
    }
    case 'each-quorum': {
      const perDc = new Map<string, number>();
      let sum = 0;
      for (const [dc, count] of replicasPerDc) {
        if (count <= 0) continue;
        perDc.set(dc, majority(count));
        sum += majority(count);
      }
      return predicate(level, sum, perDc);
    }
    default:
      throw new QuorumError('invalid-argument', `unknown consistency level ${JSON.stringify(String(level))}; use a count or one of ${namedLevels.join(', ')}`);
  }
}

/** The level that counts every DC alike in place of each DC level (invariant 4). */
const dcBlind: Readonly<Record<NamedLevel, NamedLevel>> = {
  one: 'one',
  'local-one': 'one',
  quorum: 'quorum',
  'local-quorum': 'quorum',
  'each-quorum': 'quorum',
  all: 'all',
};

/**
 * `level` as a plain count of replies out of `n` replicas, whatever their DC
 * (invariant 4): a count as it is, `one` and `local-one` 1, `quorum`,
 * `local-quorum` and `each-quorum` ⌊n/2⌋ + 1, `all` n. For requests that are
 * not resolved against one key's replicas per DC, such as node-server's scan,
 * which reads each run of the ring from any R of its replicas: there a DC
 * level cannot keep its DC promise, so it gives its DC-blind count instead.
 *
 * Throws QuorumError `invalid-argument` for a count outside [1, n] or an
 * unknown name (as `levelPredicate`).
 */
export function levelCount(level: Level, n: number): number {
  // An unknown name stays itself, and levelPredicate refuses it.
  const blind = typeof level === 'number' ? level : (dcBlind[level] ?? level);
  return levelPredicate(blind, { n, replicasPerDc: new Map(), localDc: '' }).required;
}

function predicate(level: Level, required: number, perDc: ReadonlyMap<string, number>): LevelPredicate {
  const meets = (count: (dc: string | undefined) => number): boolean => {
    if (count(undefined) < required) return false;
    for (const [dc, need] of perDc) if (count(dc) < need) return false;
    return true;
  };
  return {
    level,
    required,
    perDc,
    satisfied: (acks) => meets((dc) => (dc === undefined ? acks.total : acks.in(dc))),
    impossible: (acks, inFlight) => !meets((dc) => (dc === undefined ? acks.total + inFlight.total : acks.in(dc) + inFlight.in(dc))),
  };
}
