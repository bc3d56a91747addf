/**
 * The set checker (Jepsen's `set` model): clients add unique elements to
 * per-key sets; after the heal every key is read once; the checker compares
 * the final sets with what the clients were told.
 *
 * Outcomes of an add (Jepsen's ok / fail / info):
 *   - `ok`: the put was acknowledged. The element must be in the final set.
 *   - `fail`: a definite failure (the write was refused before it could be
 *     applied: `unavailable`, a client-side refusal). It must not be there.
 *   - `info`: indeterminate (timeout, connection lost, quorum not met). It
 *     may be there or not; both are counted, neither is an anomaly.
 *
 * Anomalies (each makes the run invalid):
 *   1. lost: an `ok` element missing from its key's final set.
 *   2. never attempted: a final element no client ever tried to add to that key.
 *   3. failed but present: a `fail` element found in its final set.
 *   4. unread: a key whose final read failed (nothing can be said of it).
 */

/** How one add ended. */
export type AddOutcome = 'ok' | 'fail' | 'info';

/** One add of the set workload. */
export interface AddRecord {
  readonly key: string;
  readonly element: string;
  readonly outcome: AddOutcome;
  /** The error code of a `fail` or `info`. */
  readonly code?: string;
}

/** The final read of one key: its elements, or why it could not be read. */
export type FinalRead = { readonly ok: true; readonly elements: ReadonlySet<string>; readonly siblings: number } | { readonly ok: false; readonly error: string };

/** What the checker found. */
export interface SetCheck {
  readonly valid: boolean;
  readonly adds: number;
  readonly ok: number;
  readonly failed: number;
  readonly indeterminate: number;
  /** Indeterminate adds found in the final sets, and not found. */
  readonly indeterminatePresent: number;
  readonly indeterminateAbsent: number;
  readonly keys: number;
  /** The most siblings a final read returned. */
  readonly siblingsMax: number;
  readonly lost: readonly { key: string; element: string }[];
  readonly neverAttempted: readonly { key: string; element: string }[];
  readonly failedPresent: readonly { key: string; element: string }[];
  readonly unread: readonly { key: string; error: string }[];
}

/** Per key, each attempted element's outcome. */
function outcomesByKey(adds: readonly AddRecord[]): Map<string, Map<string, AddOutcome>> {
  const byKey = new Map<string, Map<string, AddOutcome>>();
  for (const a of adds) {
    let m = byKey.get(a.key);
    if (m === undefined) byKey.set(a.key, (m = new Map()));
    if (m.has(a.element)) throw new Error(`chaos: element ${a.element} of key ${a.key} was added twice; elements must be unique`);
    m.set(a.element, a.outcome);
  }
  return byKey;
}

/**
 * Checks a set history against the final reads (module comment).
 *
 * `finals` must hold a read of every key that has an add (a key without a
 * read counts as unread). Elements are compared as strings.
 * Throws (a harness bug, not an anomaly) when an element was added twice.
 */
export function checkSets(adds: readonly AddRecord[], finals: ReadonlyMap<string, FinalRead>): SetCheck {
  const byKey = outcomesByKey(adds);
  const lost: { key: string; element: string }[] = [];
  const neverAttempted: { key: string; element: string }[] = [];
  const failedPresent: { key: string; element: string }[] = [];
  const unread: { key: string; error: string }[] = [];
  let indeterminatePresent = 0;
  let indeterminateAbsent = 0;
  let siblingsMax = 0;
  for (const key of new Set([...byKey.keys(), ...finals.keys()])) {
    const attempted = byKey.get(key) ?? new Map<string, AddOutcome>();
    const read = finals.get(key);
    if (read === undefined || !read.ok) {
      unread.push({ key, error: read === undefined ? 'not read' : read.error });
      continue;
    }
    siblingsMax = Math.max(siblingsMax, read.siblings);
    for (const [element, outcome] of attempted) {
      const present = read.elements.has(element);
      if (outcome === 'ok' && !present) lost.push({ key, element });
      if (outcome === 'fail' && present) failedPresent.push({ key, element });
      if (outcome === 'info') present ? indeterminatePresent++ : indeterminateAbsent++;
    }
    for (const element of read.elements) if (!attempted.has(element)) neverAttempted.push({ key, element });
  }
  const count = (o: AddOutcome): number => adds.filter((a) => a.outcome === o).length;
  return {
    valid: lost.length === 0 && neverAttempted.length === 0 && failedPresent.length === 0 && unread.length === 0,
    adds: adds.length,
    ok: count('ok'),
    failed: count('fail'),
    indeterminate: count('info'),
    indeterminatePresent,
    indeterminateAbsent,
    keys: finals.size,
    siblingsMax,
    lost,
    neverAttempted,
    failedPresent,
    unread,
  };
}
