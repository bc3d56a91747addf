/**
 * Ranges of the ring: which node replicates what, each node's share, and what
 * moves between two rings.
 *
 * A ring with tokens t0 < t1 < … < tk splits the position space into the
 * half-open ranges (t(i-1), t(i)] (the first one, (tk, t0], wraps through 0).
 * Every position in range i has the same successor token i, hence the same
 * preference list: the replica row of token i. All answers here are derived
 * from those rows, which are computed once per ring and replica count.
 *
 * Invariants:
 *   1. A range (start, end] contains the positions p with start < p ≤ end when
 *      start < end, p > start or p ≤ end when start > end (it wraps), and every
 *      position when start = end (the whole ring, only for a single range).
 *   2. Empty ranges (two tokens at one position) are never reported.
 *   3. Adjacent ranges with equal attributes are coalesced, including across
 *      the wrap, so no two reported ranges of one answer touch with the same
 *      attributes.
 */
import type { RingCore, TokenTable } from './core.js';
import { listLength, slotNeeds, type ValidReplication } from './replication.js';
import { beginWalk, collect, picks, setNeeds } from './walk.js';
import { wordsToPosition, type RingPosition } from './position.js';

/** A half-open, possibly wrapping interval (start, end] of ring positions; start = end is the whole ring. */
export interface RingRange {
  readonly start: RingPosition;
  readonly end: RingPosition;
}

/** A range a node replicates; `replica` 0 is the primary, k the k-th replica after it. */
export interface NodeRange extends RingRange {
  readonly replica: number;
}

/** A node's share of the ring, as fractions in [0, 1]. */
export interface Ownership {
  /** Fraction of positions whose primary (first replica) is the node. Sums to 1 over a non-empty ring. */
  readonly primary: number;
  /** Fraction of positions the node replicates in any place, primary included. Sums to min(n, nodes). */
  readonly replica: number;
}

/** A range whose replica set differs between two rings. */
export interface RangeChange extends RingRange {
  /** Replicas in the old ring, in preference order. */
  readonly before: readonly string[];
  /** Replicas in the new ring, in preference order. */
  readonly after: readonly string[];
  /** Nodes in `after` but not `before`: they must receive the range (stream it in). */
  readonly gained: readonly string[];
  /** Nodes in `before` but not `after`: they may drop the range once the new owners have it. */
  readonly lost: readonly string[];
}

/**
 * Replica rows of every token: row t is `rows[t·m .. t·m + m)` with
 * m = `listLength(core, n)` (every walk yields that many). Cached on the
 * (immutable) core.
 */
export function replicaRows(core: RingCore, n: ValidReplication): Uint32Array {
  const cached = core.rows.get(n.key);
  if (cached !== undefined) return cached;
  const m = listLength(core, n);
  const needs = slotNeeds(core, n);
  const tokens = core.owner.length;
  const rows = new Uint32Array(tokens * m);
  for (let t = 0; t < tokens; t++) {
    beginWalk(core, n.entries.length > 0);
    setNeeds(needs);
    const got = collect(core, t);
    if (got !== m) throw new Error(`hashring: assertion failed: walk from ${t} found ${got} of ${m} replicas`);
    rows.set(picks.subarray(0, m), t * m);
  }
  core.rows.set(n.key, rows);
  return rows;
}

/** The ranges `node` (a member index) replicates among n replicas, coalesced, in ring order. */
export function nodeRanges(core: RingCore, node: number, n: ValidReplication): NodeRange[] {
  const rows = replicaRows(core, n);
  const m = listLength(core, n);
  const spans: Span<number>[] = [];
  for (let t = 0; t < core.owner.length; t++) {
    if (isEmptyRange(core, t)) continue;
    let k = -1;
    for (let r = 0; r < m; r++) if (rows[t * m + r] === node) k = r;
    if (k >= 0) pushSpan(spans, core, t, k, (a, b) => a === b);
  }
  closeWrap(spans, (a, b) => a === b);
  return spans.map((s) => ({ start: s.start, end: s.end, replica: s.value }));
}

/** Every member's primary and replica share of the ring, by member index. */
export function memberShares(core: RingCore, n: ValidReplication): Ownership[] {
  const primary = new Float64Array(core.members.length);
  const replica = new Float64Array(core.members.length);
  const tokens = core.owner.length;
  if (tokens > 0) {
    const rows = replicaRows(core, n);
    const m = listLength(core, n);
    for (let t = 0; t < tokens; t++) {
      const size = rangeFraction(core, t);
      primary[rows[t * m] as number]! += size;
      for (let r = 0; r < m; r++) replica[rows[t * m + r] as number]! += size;
    }
  }
  return Array.from(primary, (p, i) => ({ primary: p, replica: replica[i] as number }));
}

/**
 * The ranges whose replica set (ignoring order) differs between two rings, with
 * the replica lists before and after. Elementary ranges are cut at the union
 * of both rings' tokens, where either ring's rows can change.
 */
export function diffCores(before: RingCore, after: RingCore, n: ValidReplication): RangeChange[] {
  const cuts = unionPositions(before, after);
  const walkBefore = rowWalker(before, n);
  const walkAfter = rowWalker(after, n);
  // Member indexes differ between rings, so rows are compared through ids:
  // toAfter maps a member index of `before` to its index in `after` (or -1).
  const toAfter = Int32Array.from(before.members, (m) => after.indexOf.get(m.id) ?? -1);
  const spans: Span<Lists>[] = [];
  let lastBefore = -1;
  let lastAfter = -1;
  let lists: Lists | undefined;
  for (let c = 0; c < cuts.hi.length; c++) {
    const hi = cuts.hi[c] as number;
    const lo = cuts.lo[c] as number;
    const rowBefore = walkBefore(hi, lo);
    const rowAfter = walkAfter(hi, lo);
    // Consecutive cuts often fall in the same pair of rows: decide once per pair.
    if (rowBefore !== lastBefore || rowAfter !== lastAfter) {
      lastBefore = rowBefore;
      lastAfter = rowAfter;
      lists = sameReplicas(before, rowBefore, after, rowAfter, n, toAfter) ? undefined : rowLists(before, rowBefore, after, rowAfter, n);
    }
    if (lists !== undefined) pushSpan(spans, cuts, c, lists, sameLists);
  }
  closeWrap(spans, sameLists);
  return spans.map((s) => ({
    start: s.start,
    end: s.end,
    before: s.value.before,
    after: s.value.after,
    gained: s.value.after.filter((id) => !s.value.before.includes(id)),
    lost: s.value.before.filter((id) => !s.value.after.includes(id)),
  }));
}

/**
 * A function from ascending positions to the index of their successor token
 * (-1 for an empty ring). It advances a cursor instead of searching, so a
 * sweep over sorted cuts is linear in tokens.
 */
function rowWalker(core: RingCore, n: ValidReplication): (hi: number, lo: number) => number {
  const tokens = core.owner.length;
  if (tokens > 0) replicaRows(core, n);
  let t = 0;
  return (hi, lo) => {
    if (tokens === 0) return -1;
    while (t < tokens && ((core.hi[t] as number) < hi || (core.hi[t] === hi && (core.lo[t] as number) < lo))) t++;
    return t === tokens ? 0 : t;
  };
}

/** True when row `ta` of `after` holds the same members as row `tb` of `before`, in any order. */
function sameReplicas(before: RingCore, tb: number, after: RingCore, ta: number, n: ValidReplication, toAfter: Int32Array): boolean {
  const mb = tb < 0 ? 0 : listLength(before, n);
  const ma = ta < 0 ? 0 : listLength(after, n);
  if (mb !== ma) return false;
  if (mb === 0) return true;
  const rowsBefore = before.rows.get(n.key) as Uint32Array;
  const rowsAfter = after.rows.get(n.key) as Uint32Array;
  for (let i = 0; i < mb; i++) {
    const target = toAfter[rowsBefore[tb * mb + i] as number] as number;
    let found = false;
    for (let j = 0; j < ma && !found; j++) found = rowsAfter[ta * ma + j] === target;
    if (!found) return false;
  }
  return true;
}

function rowLists(before: RingCore, tb: number, after: RingCore, ta: number, n: ValidReplication): Lists {
  return { before: rowIds(before, tb, n), after: rowIds(after, ta, n) };
}

/** The replica ids of row t (none for an empty ring, t = -1). */
function rowIds(core: RingCore, t: number, n: ValidReplication): string[] {
  if (t < 0) return [];
  const m = listLength(core, n);
  const rows = core.rows.get(n.key) as Uint32Array;
  return Array.from(rows.subarray(t * m, t * m + m), (i) => (core.members[i] as { id: string }).id);
}

interface Lists {
  readonly before: string[];
  readonly after: string[];
}

interface Span<V> {
  start: RingPosition;
  end: RingPosition;
  value: V;
}

function sameLists(a: Lists, b: Lists): boolean {
  if (a === b) return true;
  return a.before.join('\u0000') === b.before.join('\u0000') && a.after.join('\u0000') === b.after.join('\u0000');
}

/** Appends range t of `table` with `value`, extending the last span when it ends where range t starts. */
function pushSpan<V>(spans: Span<V>[], table: TokenTable, t: number, value: V, same: (a: V, b: V) => boolean): void {
  const prev = t === 0 ? table.hi.length - 1 : t - 1;
  const start = wordsToPosition(table.hi[prev] as number, table.lo[prev] as number);
  const end = wordsToPosition(table.hi[t] as number, table.lo[t] as number);
  const last = spans[spans.length - 1];
  if (last !== undefined && last.end === start && same(last.value, value)) last.end = end;
  else spans.push({ start, end, value });
}

/** Joins the last span into the first when they meet across the wrap with equal values. */
function closeWrap<V>(spans: Span<V>[], same: (a: V, b: V) => boolean): void {
  if (spans.length < 2) return;
  const first = spans[0] as Span<V>;
  const last = spans[spans.length - 1] as Span<V>;
  if (last.end === first.start && same(last.value, first.value)) {
    first.start = last.start;
    spans.pop();
  }
}

/** True when range t is (p, p] between two tokens at one position, in a ring of more than one token. */
function isEmptyRange(table: TokenTable, t: number): boolean {
  const tokens = table.hi.length;
  if (tokens < 2) return false;
  const prev = t === 0 ? tokens - 1 : t - 1;
  return table.hi[prev] === table.hi[t] && table.lo[prev] === table.lo[t];
}

/** Size of range t as a fraction of the ring; a ring of one token is one range of size 1. */
function rangeFraction(table: TokenTable, t: number): number {
  const tokens = table.hi.length;
  const prev = t === 0 ? tokens - 1 : t - 1;
  let size = ((table.hi[t] as number) - (table.hi[prev] as number)) * 0x1_0000_0000 + ((table.lo[t] as number) - (table.lo[prev] as number));
  if (size < 0 || (size === 0 && tokens === 1)) size += 2 ** 64;
  return size / 2 ** 64;
}

/** The sorted distinct positions of both rings' tokens (owner unused). */
function unionPositions(a: TokenTable, b: TokenTable): TokenTable {
  const hi: number[] = [];
  const lo: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.hi.length || j < b.hi.length) {
    let h: number;
    let l: number;
    const takeA = j >= b.hi.length || (i < a.hi.length && ((a.hi[i] as number) < (b.hi[j] as number) || (a.hi[i] === b.hi[j] && (a.lo[i] as number) <= (b.lo[j] as number))));
    if (takeA) {
      h = a.hi[i] as number;
      l = a.lo[i++] as number;
    } else {
      h = b.hi[j] as number;
      l = b.lo[j++] as number;
    }
    const n = hi.length;
    if (n > 0 && hi[n - 1] === h && lo[n - 1] === l) continue;
    hi.push(h);
    lo.push(l);
  }
  return { hi: Uint32Array.from(hi), lo: Uint32Array.from(lo), owner: new Uint32Array(0) };
}
