/**
 * Dotted version vector sets (DVV sets): the per-key sibling container, after
 * Almeida, Baquero, Gonçalves, Preguiça and Fonte, "Scalable and Accurate
 * Causality Tracking for Eventually Consistent Stores" (DAIS 2014).
 *
 * A set keeps, per actor (the node id of a coordinator), the highest counter
 * it has seen — together these form the causal context — and the versions
 * still live from that actor, newest first. The version at index k of actor
 * i's list has the *dot* (i, counter − k): the unique name of the write that
 * made it. A dot (i, c) with c ≤ counter that is not in the list has been
 * seen and superseded.
 *
 * Why DVV sets rather than one version vector per sibling: the dot names each
 * write apart from its causal past, so two clients writing through the same
 * coordinator with the same context get two dots and both survive, and
 * clients that never send a context add siblings, not vector entries — the
 * vector has at most one entry per coordinator.
 *
 * Invariants of a well-formed set (every function here returns one and
 * assumes its inputs are one):
 *   1. Entries are sorted by actor, strictly increasing; counters are
 *      integers in [1, counterMax]; 0 ≤ versions.length ≤ counter.
 *   2. A dot names exactly one write: any two sets that both hold dot (i, c)
 *      hold the same payload for it. This holds as long as each actor id is
 *      used by one coordinator that never loses its sets (a node that loses
 *      its disk must come back under a new id).
 *   3. The live dots of a set are pairwise concurrent: none is in the causal
 *      past of another. Hence every sibling is a version no other replica
 *      write has superseded.
 *
 * Sets are plain immutable data (arrays and objects of strings, numbers,
 * booleans and the caller's values), so the node can store and send them with
 * MessagePack. No function mutates its inputs; results share unchanged parts.
 */
import { type ClockEntry, type VClock, checkActor } from './clock.js';
import { VclockError } from './errors.js';
import * as limits from './limits.js';

/**
 * A write's payload: a value, or a tombstone (a delete is a write too). A
 * value may carry `expiresAtMs`, the deadline of a put with a ttl (the
 * coordinator's clock plus the ttl, epoch ms): it belongs to the write, so
 * every replica holding the dot holds the same deadline (invariant 2), and
 * from the deadline on the version reads as a tombstone of its dot
 * (expiry.ts).
 */
export type Payload<V> = { readonly tombstone: false; readonly value: V; readonly expiresAtMs?: number } | { readonly tombstone: true };

/** The unique name of one write: the coordinator that accepted it and that coordinator's counter. */
export interface Dot {
  readonly actor: string;
  readonly counter: number;
}

/** A live version as `values` lists it: its payload and its dot. */
export type Sibling<V> = Payload<V> & { readonly dot: Dot };

/** One actor of a DVV set: the highest counter seen from it and its live versions, newest first. */
export interface DvvEntry<V> {
  readonly actor: string;
  /** Highest counter of `actor` in the set's causal context. */
  readonly counter: number;
  /** Live versions; `versions[k]` has the dot (actor, counter − k). */
  readonly versions: readonly Payload<V>[];
}

/** A DVV set: the siblings of one key and their causal context. Plain data; see the module invariants. */
export interface DvvSet<V> {
  readonly entries: readonly DvvEntry<V>[];
}

/** Options of `update` and `reconcile`. */
export interface UpdateOptions {
  /** Most live siblings the result may hold; default `siblingsMax` (64) from limits.ts. */
  readonly siblingsMax?: number;
}

/**
 * The payload of a live value; with `expiresAtMs` (a positive safe integer,
 * epoch ms) it expires at that deadline. Errors: VclockError('invalid-argument')
 * for a deadline that is not a positive safe integer.
 */
export function live<V>(value: V, expiresAtMs?: number): Payload<V> {
  if (expiresAtMs === undefined) return { tombstone: false, value };
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs < 1) {
    throw new VclockError('invalid-argument', `a deadline must be a positive safe integer (epoch ms), got ${expiresAtMs}`);
  }
  return { tombstone: false, value, expiresAtMs };
}

/** The payload of a delete. Shared: payloads are immutable. */
export const tombstone: Payload<never> = Object.freeze({ tombstone: true });

const emptySet: DvvSet<never> = Object.freeze({ entries: Object.freeze([]) as readonly DvvEntry<never>[] });

/** The set of a key never written: no siblings, empty context. */
export function empty<V>(): DvvSet<V> {
  return emptySet;
}

/**
 * The coordinator applying a client's write (or delete) to its set for the key.
 *
 * - `context`: the causal context the client read (`decodeContext` of the
 *   bytes it sent; the empty clock if it read nothing). Every sibling the
 *   context covers is discarded: the client saw it and this write supersedes it.
 * - `actor`: the coordinator's node id; the write gets the next dot of that actor.
 * - `payload`: `live(value)` or `tombstone`.
 *
 * Details: the context is also folded into the set's causal context, so a
 * replica that later syncs in a version the client had read elsewhere drops
 * it. Siblings not covered by the context stay: two clients writing through
 * the same coordinator with the same context both survive.
 * Errors: VclockError('too-many-siblings') when the result would hold more
 * than `siblingsMax` siblings (the input set is unchanged; a write whose
 * context covers the siblings always fits); VclockError('invalid-argument')
 * for a bad actor id or when the actor's counter cannot grow.
 * Gotcha: the context is client input. It can only make the write supersede
 * versions (which a client may do anyway by reading first), but a forged one
 * can add fake actors or push counters up; a node that does not trust its
 * clients should bound the context's entries or authenticate the bytes it
 * issued (e.g. append a MAC to `encodeContext`'s output).
 */
export function update<V>(
  set: DvvSet<V>,
  context: VClock,
  actor: string,
  payload: Payload<V>,
  options: UpdateOptions = {},
): DvvSet<V> {
  checkActor(actor);
  const bound = options.siblingsMax ?? limits.siblingsMax;
  if (!Number.isSafeInteger(bound) || bound < 1) {
    throw new VclockError('invalid-argument', `siblingsMax must be a positive integer, got ${bound}`);
  }
  const covered = discardCovered(set, context);
  const entries = covered.entries.slice();
  const index = findEntry(entries, actor);
  if (index >= 0) {
    const old = entries[index] as DvvEntry<V>;
    if (old.counter >= limits.counterMax) {
      // Only a forged context can push a counter this high (see the gotcha above).
      throw new VclockError('invalid-argument', `the counter of ${JSON.stringify(actor)} is at 2^53 - 1`);
    }
    entries[index] = { actor, counter: old.counter + 1, versions: [payload, ...old.versions] };
  } else {
    entries.splice(-index - 1, 0, { actor, counter: 1, versions: [payload] });
  }
  const result: DvvSet<V> = { entries };
  const count = siblingCount(result);
  if (count > bound) {
    throw new VclockError(
      'too-many-siblings',
      `the write would leave ${count} siblings (siblingsMax ${bound}); resolve them and write with the context read`,
    );
  }
  return result;
}

/** Syncs `context` into `set` as a set with no versions: drops covered siblings, raises counters. */
function discardCovered<V>(set: DvvSet<V>, context: VClock): DvvSet<V> {
  if (context.length === 0) return set;
  const asSet: DvvSet<V> = {
    entries: context.map((entry: ClockEntry) => ({ actor: entry.actor, counter: entry.counter, versions: [] })),
  };
  return sync(set, asSet);
}

/**
 * Joins two replicas' sets for the same key (read repair, anti-entropy, hinted
 * handoff, a coordinator merging replies). Commutative, associative and
 * idempotent, so replicas converge whatever the order and repetition of syncs.
 *
 * Details: a sibling survives when both sets hold it, or when the other set
 * has not seen its dot; a sibling one set holds and the other has seen and
 * discarded is dropped. Per actor, the result counter is the larger one.
 * Gotcha: `sync` never refuses for `siblingsMax`: it only keeps writes some
 * replica already accepted, and refusing would stop replicas converging.
 */
export function sync<V>(a: DvvSet<V>, b: DvvSet<V>): DvvSet<V> {
  if (a === b || b.entries.length === 0) return a;
  if (a.entries.length === 0) return b;
  const x = a.entries;
  const y = b.entries;
  const out: DvvEntry<V>[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const p = x[i] as DvvEntry<V>;
    const q = y[j] as DvvEntry<V>;
    if (p.actor < q.actor) {
      out.push(p);
      i++;
    } else if (p.actor > q.actor) {
      out.push(q);
      j++;
    } else {
      out.push(syncEntry(p, q));
      i++;
      j++;
    }
  }
  while (i < x.length) out.push(x[i++] as DvvEntry<V>);
  while (j < y.length) out.push(y[j++] as DvvEntry<V>);
  return { entries: out };
}

/**
 * Same actor on both sides; let `p` have the larger counter. Its versions with
 * counter > q.counter are new to `q` and kept; the rest are kept only if `q`
 * still holds them, i.e. their counter is above q.counter − q.versions.length.
 * Both conditions reduce to a prefix of p.versions, and the versions `q` holds
 * that `p` lacks are ones `p` has seen and dropped (q's dots are all ≤ p.counter).
 */
function syncEntry<V>(p: DvvEntry<V>, q: DvvEntry<V>): DvvEntry<V> {
  if (p.counter < q.counter) return syncEntry(q, p);
  // Equal counters: both hold a prefix of the same list (invariant 2), so the
  // shorter one is the answer; returning it whole keeps the result shared.
  if (p.counter === q.counter) return q.versions.length < p.versions.length ? q : p;
  const keep = Math.min(p.versions.length, p.counter - q.counter + q.versions.length);
  if (keep === p.versions.length) return p;
  return { actor: p.actor, counter: p.counter, versions: p.versions.slice(0, keep) };
}

/**
 * The live siblings, each with its payload (`tombstone` tells a delete) and
 * dot, in a deterministic order (by actor, newest first). Empty for `empty()`.
 * What a `get` returns, together with `context`.
 */
export function values<V>(set: DvvSet<V>): Sibling<V>[] {
  const out: Sibling<V>[] = [];
  for (const entry of set.entries) {
    entry.versions.forEach((payload, k) => {
      out.push({ ...payload, dot: { actor: entry.actor, counter: entry.counter - k } });
    });
  }
  return out;
}

/**
 * The causal context to give a client with the siblings it reads: a clock
 * holding each actor's counter (timestamps 0). Send it with `encodeContext`;
 * a write carrying it back replaces every sibling the client saw.
 */
export function context<V>(set: DvvSet<V>): VClock {
  return set.entries.map((entry) => ({ actor: entry.actor, counter: entry.counter, lastModifiedMs: 0 }));
}

/** How many live siblings (values and tombstones) the set holds. */
export function siblingCount<V>(set: DvvSet<V>): number {
  let count = 0;
  for (const entry of set.entries) count += entry.versions.length;
  return count;
}

/**
 * True when the set has siblings and all are tombstones: the key reads as
 * deleted, and may be collected once its tombstone grace period has passed.
 * False for `empty()` (nothing stored) and whenever any value is live.
 */
export function isTombstoneOnly<V>(set: DvvSet<V>): boolean {
  let any = false;
  for (const entry of set.entries) {
    for (const payload of entry.versions) {
      if (!payload.tombstone) return false;
      any = true;
    }
  }
  return any;
}

/**
 * Resolves siblings on the server: `merge` receives the live siblings and
 * returns one payload, written at `actor` with the set's whole context, so it
 * replaces them all (an `update` with `context(set)`).
 *
 * Details: a set with at most one sibling is returned unchanged and `merge`
 * is not called. `actor` is required: the merged value is a new write, and
 * giving it an existing sibling's dot would let two different payloads share
 * one dot (invariant 2), which `sync` cannot repair.
 * Errors: as `update`.
 */
export function reconcile<V>(
  set: DvvSet<V>,
  merge: (siblings: readonly Sibling<V>[]) => Payload<V>,
  actor: string,
  options: UpdateOptions = {},
): DvvSet<V> {
  if (siblingCount(set) <= 1) return set;
  return update(set, context(set), actor, merge(values(set)), options);
}

function findEntry<V>(entries: readonly DvvEntry<V>[], actor: string): number {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const midActor = (entries[mid] as DvvEntry<V>).actor;
    if (midActor < actor) low = mid + 1;
    else if (midActor > actor) high = mid - 1;
    else return mid;
  }
  return -low - 1;
}

/**
 * Validates untrusted plain data (a set decoded by MessagePack from disk or a
 * peer) and returns it as a well-formed DVV set.
 *
 * Details: checks invariant 1 and the payload shapes; `checkValue` validates
 * (and may convert) each live value, throwing what it likes for a bad one.
 * Invariant 2 (a dot names one write) cannot be checked locally.
 * Errors: VclockError('malformed') naming the first problem, including more
 * than `parsedSiblingsMax` siblings or `clockEntriesMax` entries.
 */
export function checkDvvSet<V = unknown>(
  data: unknown,
  checkValue: (value: unknown) => V = (value) => value as V,
): DvvSet<V> {
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { entries?: unknown }).entries)) {
    throw new VclockError('malformed', 'a DVV set must be an object with an entries array');
  }
  const rawEntries = (data as { entries: unknown[] }).entries;
  if (rawEntries.length > limits.clockEntriesMax) {
    throw new VclockError('malformed', `a DVV set has at most ${limits.clockEntriesMax} entries`);
  }
  const entries: DvvEntry<V>[] = [];
  let siblings = 0;
  for (const raw of rawEntries) {
    const entry = checkDvvEntry(raw, checkValue);
    const previous = entries[entries.length - 1];
    if (previous !== undefined && !(previous.actor < entry.actor)) {
      throw new VclockError('malformed', 'DVV entries must be sorted by actor, without duplicates');
    }
    siblings += entry.versions.length;
    if (siblings > limits.parsedSiblingsMax) {
      throw new VclockError('malformed', `a DVV set holds at most ${limits.parsedSiblingsMax} siblings`);
    }
    entries.push(entry);
  }
  return { entries };
}

function checkDvvEntry<V>(raw: unknown, checkValue: (value: unknown) => V): DvvEntry<V> {
  if (typeof raw !== 'object' || raw === null) throw new VclockError('malformed', 'a DVV entry must be an object');
  const { actor, counter, versions } = raw as Record<string, unknown>;
  try {
    checkActor(actor as string);
  } catch (cause) {
    throw new VclockError('malformed', `bad DVV entry actor: ${(cause as Error).message}`, { cause });
  }
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 1 || counter > limits.counterMax) {
    throw new VclockError('malformed', 'a DVV entry counter must be an integer in [1, 2^53 - 1]');
  }
  if (!Array.isArray(versions) || versions.length > counter || versions.length > limits.parsedSiblingsMax) {
    throw new VclockError('malformed', 'DVV entry versions must be an array no longer than its counter');
  }
  return { actor: actor as string, counter, versions: versions.map((version) => checkPayload(version, checkValue)) };
}

function checkPayload<V>(raw: unknown, checkValue: (value: unknown) => V): Payload<V> {
  if (typeof raw === 'object' && raw !== null) {
    const { tombstone: isTombstone, expiresAtMs } = raw as Record<string, unknown>;
    if (isTombstone === true) return tombstone;
    if (isTombstone === false && 'value' in raw) {
      const value = checkValue((raw as { value: unknown }).value);
      if (expiresAtMs === undefined) return live(value);
      if (typeof expiresAtMs === 'number' && Number.isSafeInteger(expiresAtMs) && expiresAtMs >= 1) return live(value, expiresAtMs);
      throw new VclockError('malformed', 'a DVV version deadline (expiresAtMs) must be a positive safe integer');
    }
  }
  throw new VclockError('malformed', 'a DVV version must be { tombstone: true } or { tombstone: false, value, expiresAtMs? }');
}
