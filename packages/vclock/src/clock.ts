/**
 * Version vectors ("clocks"): for each actor (a node id), how many events of
 * that actor the version has seen, plus when the entry last changed.
 *
 * A clock is plain immutable data — a readonly array of entries — so it can be
 * stored, sent with MessagePack, and compared with `===` on its fields. No
 * function of this package mutates a clock it was given; they are not frozen,
 * to keep the hot paths allocation-light, so callers must not mutate them
 * either.
 *
 * Invariants of a canonical clock (every function here returns one, and
 * assumes its inputs are one; `checkClock` verifies untrusted plain data):
 *   1. Entries are sorted by actor, strictly increasing in JavaScript string
 *      order (UTF-16 code units), so no actor appears twice and equal clocks
 *      are equal arrays and encode to equal bytes.
 *   2. Every counter is an integer in [1, counterMax]; an actor with counter 0
 *      is simply absent.
 *   3. Every actor is a non-empty, well-formed string of at most
 *      `actorBytesMax` UTF-8 bytes; there are at most `clockEntriesMax` entries.
 *   4. `lastModifiedMs` is an integer in [0, counterMax], supplied by the
 *      caller (0 = unknown). It plays no part in causality — `compare`,
 *      `descends` and `equals` ignore it — and only guides `prune`.
 *
 * Pure functions, no shared state: safe to call from anywhere.
 */
import { assert } from './assert.js';
import { VclockError } from './errors.js';
import { actorBytesMax, clockEntriesMax, counterMax } from './limits.js';
import { utf8Length } from './utf8.js';

/** One actor's position in a clock. */
export interface ClockEntry {
  /** The node id that counts these events. */
  readonly actor: string;
  /** Events of `actor` this version has seen; ≥ 1. */
  readonly counter: number;
  /** When the entry last changed (ms, caller's clock); 0 when unknown. Used only by `prune`. */
  readonly lastModifiedMs: number;
}

/** A version vector: canonical, immutable, sorted by actor. See the module invariants. */
export type VClock = readonly ClockEntry[];

/** The result of `compare(a, b)`, read as "a is … b". */
export type Ordering = 'before' | 'after' | 'equal' | 'concurrent';

/**
 * In `u` mode a surrogate pair is one astral code point, so this matches only
 * unpaired halves, which UTF-8 cannot carry.
 */
const loneSurrogate = /\p{Cs}/u;

/**
 * Throws VclockError('invalid-argument') unless `actor` is a valid actor id.
 *
 * When to use: before handing a user-supplied node id to `increment`; the
 * other functions call it for you where an id enters the package.
 */
export function checkActor(actor: string): void {
  if (typeof actor !== 'string' || actor.length === 0) {
    throw new VclockError('invalid-argument', 'an actor id must be a non-empty string');
  }
  if (loneSurrogate.test(actor)) {
    throw new VclockError('invalid-argument', 'an actor id must not contain lone surrogates');
  }
  if (actor.length * 3 > actorBytesMax && utf8Length(actor) > actorBytesMax) {
    throw new VclockError('invalid-argument', `an actor id is at most ${actorBytesMax} UTF-8 bytes`);
  }
}

function checkCount(value: number, what: string, min: number): void {
  if (!Number.isInteger(value) || value < min || value > counterMax) {
    throw new VclockError('invalid-argument', `${what} must be an integer in [${min}, 2^53 - 1], got ${value}`);
  }
}

/** The empty clock: no events seen. Shared, since clocks are immutable. */
export const emptyClock: VClock = Object.freeze([]) as VClock;

/**
 * Builds a clock from `{ actor: counter }`, e.g. `fromObject({ Sx: 2, Sy: 1 })`.
 *
 * Details: zero counters are dropped (an absent actor means 0); every entry
 * gets `lastModifiedMs` (default 0, "unknown").
 * Errors: VclockError('invalid-argument') for a bad actor id, a counter that
 * is not an integer in [0, 2^53 − 1], or more than `clockEntriesMax` actors.
 */
export function fromObject(counters: Readonly<Record<string, number>>, lastModifiedMs = 0): VClock {
  checkCount(lastModifiedMs, 'lastModifiedMs', 0);
  const pairs = Object.entries(counters);
  if (pairs.length > clockEntriesMax) {
    throw new VclockError('invalid-argument', `a clock has at most ${clockEntriesMax} entries`);
  }
  const entries: ClockEntry[] = [];
  for (const [actor, counter] of pairs) {
    checkActor(actor);
    checkCount(counter, `the counter of ${JSON.stringify(actor)}`, 0);
    if (counter > 0) entries.push({ actor, counter, lastModifiedMs });
  }
  entries.sort((x, y) => (x.actor < y.actor ? -1 : 1));
  return entries;
}

/**
 * The clock as `{ actor: counter }` (timestamps left out), for logs, tests and
 * JSON. The object is fresh; an actor named `__proto__` is an own property.
 */
export function toObject(clock: VClock): Record<string, number> {
  return Object.fromEntries(clock.map((entry) => [entry.actor, entry.counter]));
}

/** The counter of `actor` in `clock`; 0 when absent. O(log n). */
export function get(clock: VClock, actor: string): number {
  const index = findActor(clock, actor);
  return index >= 0 ? (clock[index] as ClockEntry).counter : 0;
}

/** Binary search; returns the index, or `-(insertion point) - 1` when absent. */
function findActor(clock: VClock, actor: string): number {
  let low = 0;
  let high = clock.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const midActor = (clock[mid] as ClockEntry).actor;
    if (midActor < actor) low = mid + 1;
    else if (midActor > actor) high = mid - 1;
    else return mid;
  }
  return -low - 1;
}

/**
 * A new clock with `actor`'s counter one higher: the event "actor wrote".
 *
 * When to use: a coordinator stamping a write it accepts, with its own node id
 * as `actor` (for per-key sibling sets use `update` of the DVV set instead).
 * Details: `lastModifiedMs` sets the entry's timestamp; when omitted the entry
 * keeps its previous one (0 for a new entry). The caller supplies time: this
 * package never reads a clock.
 * Errors: VclockError('invalid-argument') for a bad actor id or timestamp.
 */
export function increment(clock: VClock, actor: string, lastModifiedMs?: number): VClock {
  checkActor(actor);
  if (lastModifiedMs !== undefined) checkCount(lastModifiedMs, 'lastModifiedMs', 0);
  const index = findActor(clock, actor);
  const out = clock.slice();
  if (index >= 0) {
    const old = clock[index] as ClockEntry;
    assert(old.counter < counterMax, 'a counter reached 2^53 - 1');
    out[index] = { actor, counter: old.counter + 1, lastModifiedMs: lastModifiedMs ?? old.lastModifiedMs };
  } else {
    if (clock.length >= clockEntriesMax) {
      throw new VclockError('invalid-argument', `a clock has at most ${clockEntriesMax} entries`);
    }
    out.splice(-index - 1, 0, { actor, counter: 1, lastModifiedMs: lastModifiedMs ?? 0 });
  }
  return out;
}

/**
 * The least clock that descends both: entrywise maximum. Commutative,
 * associative and idempotent (a join-semilattice), so replicas may merge in
 * any order and any number of times.
 *
 * Details: for an actor in both, the entry with the larger counter wins, with
 * its timestamp; on equal counters the later timestamp is kept.
 * Gotcha: the result is not a new event; to record a write on top of a merge,
 * `increment` it.
 */
export function merge(a: VClock, b: VClock): VClock {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  const out: ClockEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as ClockEntry;
    const y = b[j] as ClockEntry;
    if (x.actor < y.actor) {
      out.push(x);
      i++;
    } else if (x.actor > y.actor) {
      out.push(y);
      j++;
    } else {
      out.push(laterEntry(x, y));
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++] as ClockEntry);
  while (j < b.length) out.push(b[j++] as ClockEntry);
  // Two bounded clocks can merge past the bound only with disjoint actors;
  // that is the caller's cluster growing past clockEntriesMax, not a bug here.
  if (out.length > clockEntriesMax) {
    throw new VclockError('invalid-argument', `a merged clock has ${out.length} > ${clockEntriesMax} entries`);
  }
  return out;
}

function laterEntry(x: ClockEntry, y: ClockEntry): ClockEntry {
  if (x.counter !== y.counter) return x.counter > y.counter ? x : y;
  return x.lastModifiedMs >= y.lastModifiedMs ? x : y;
}

/**
 * How `a` relates to `b` causally: 'equal' (same counters), 'after' (`a`
 * strictly descends `b`: it has seen everything `b` has, and more), 'before'
 * (the reverse), or 'concurrent' (each has seen an event the other has not —
 * siblings). Timestamps are ignored. O(|a| + |b|), no allocation.
 */
export function compare(a: VClock, b: VClock): Ordering {
  let aAhead = false;
  let bAhead = false;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as ClockEntry;
    const y = b[j] as ClockEntry;
    if (x.actor === y.actor) {
      if (x.counter > y.counter) aAhead = true;
      else if (x.counter < y.counter) bAhead = true;
      i++;
      j++;
    } else if (x.actor < y.actor) {
      aAhead = true;
      i++;
    } else {
      bAhead = true;
      j++;
    }
    if (aAhead && bAhead) return 'concurrent';
  }
  if (i < a.length) aAhead = true;
  if (j < b.length) bAhead = true;
  if (aAhead) return bAhead ? 'concurrent' : 'after';
  return bAhead ? 'before' : 'equal';
}

/**
 * True when `a` has seen every event `b` has (`a ≥ b` entrywise): a reflexive,
 * antisymmetric, transitive partial order. `descends(a, b)` is
 * `compare(a, b)` being 'after' or 'equal'.
 */
export function descends(a: VClock, b: VClock): boolean {
  if (b.length > a.length) return false;
  let i = 0;
  for (const y of b) {
    while (i < a.length && (a[i] as ClockEntry).actor < y.actor) i++;
    const x = a[i];
    if (x === undefined || x.actor !== y.actor || x.counter < y.counter) return false;
    i++;
  }
  return true;
}

/** True when `a` and `b` have the same counters (timestamps ignored): `compare(a, b) === 'equal'`. */
export function equals(a: VClock, b: VClock): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ClockEntry;
    const y = b[i] as ClockEntry;
    if (x.actor !== y.actor || x.counter !== y.counter) return false;
  }
  return true;
}

/** The same counters with every timestamp 0: what a client context carries. */
export function withoutTimestamps(clock: VClock): VClock {
  if (clock.every((entry) => entry.lastModifiedMs === 0)) return clock;
  return clock.map((entry) => ({ actor: entry.actor, counter: entry.counter, lastModifiedMs: 0 }));
}

/**
 * Validates untrusted plain data (e.g. a clock decoded by MessagePack from a
 * peer or from disk) and returns it as a canonical clock.
 *
 * Errors: VclockError('malformed') naming the first violated invariant.
 * Gotcha: the returned clock is fresh plain data; the input is not kept.
 */
export function checkClock(data: unknown): VClock {
  if (!Array.isArray(data)) throw new VclockError('malformed', 'a clock must be an array');
  if (data.length > clockEntriesMax) {
    throw new VclockError('malformed', `a clock has at most ${clockEntriesMax} entries, got ${data.length}`);
  }
  const out: ClockEntry[] = [];
  let previous: string | undefined;
  for (const raw of data as unknown[]) {
    const entry = checkEntryShape(raw);
    if (previous !== undefined && !(previous < entry.actor)) {
      throw new VclockError('malformed', 'clock entries must be sorted by actor, without duplicates');
    }
    previous = entry.actor;
    out.push(entry);
  }
  return out;
}

function checkEntryShape(raw: unknown): ClockEntry {
  if (typeof raw !== 'object' || raw === null) throw new VclockError('malformed', 'a clock entry must be an object');
  const { actor, counter, lastModifiedMs } = raw as Record<string, unknown>;
  try {
    checkActor(actor as string);
  } catch (cause) {
    throw new VclockError('malformed', `bad clock entry actor: ${(cause as Error).message}`, { cause });
  }
  if (!isCount(counter, 1)) {
    throw new VclockError('malformed', 'a clock entry counter must be an integer in [1, 2^53 - 1]');
  }
  if (!isCount(lastModifiedMs, 0)) {
    throw new VclockError('malformed', 'a clock entry lastModifiedMs must be an integer in [0, 2^53 - 1]');
  }
  return { actor: actor as string, counter, lastModifiedMs };
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= counterMax;
}
