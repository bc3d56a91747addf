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
import { successor } from './core.js';
import { beginWalk, collect, picks } from './walk.js';
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
 * m = min(n, members). Cached on the (immutable) core.
 */
export function replicaRows(core: RingCore, n: number): Uint32Array {
  const cached = core.rows.get(n);
  if (cached !== undefined) return cached;
  const m = Math.min(n, core.members.length);
  const tokens = core.owner.length;
  const rows = new Uint32Array(tokens * m);
  for (let t = 0; t < tokens; t++) {
    beginWalk();
    const got = collect(core, t, m);
    if (got !== m) throw new Error(`hashring: assertion failed: walk from ${t} found ${got} of ${m} replicas`);
    rows.set(picks.subarray(0, m), t * m);
  }
  core.rows.set(n, rows);
  return rows;
}

/** The ranges `node` (a member index) replicates among n replicas, coalesced, in ring order. */
export function nodeRanges(core: RingCore, node: number, n: number): NodeRange[] {
  const rows = replicaRows(core, n);
  const m = Math.min(n, core.members.length);
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
export function memberShares(core: RingCore, n: number): Ownership[] {
  const primary = new Float64Array(core.members.length);
  const replica = new Float64Array(core.members.length);
  const tokens = core.owner.length;
  if (tokens > 0) {
    const rows = replicaRows(core, n);
    const m = Math.min(n, core.members.length);
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
export function diffCores(before: RingCore, after: RingCore, n: number): RangeChange[] {
  const cuts = unionPositions(before, after);
  const count = cuts.hi.length;
  const rowsBefore = before.owner.length > 0 ? replicaRows(before, n) : new Uint32Array(0);
  const rowsAfter = after.owner.length > 0 ? replicaRows(after, n) : new Uint32Array(0);
  const mBefore = Math.min(n, before.members.length);
  const mAfter = Math.min(n, after.members.length);
  const spans: Span<Lists>[] = [];
  for (let c = 0; c < count; c++) {
    const hi = cuts.hi[c] as number;
    const lo = cuts.lo[c] as number;
    // Member indexes differ between rings, so rows are compared by id.
    const lists = { before: rowOf(before, rowsBefore, mBefore, hi, lo), after: rowOf(after, rowsAfter, mAfter, hi, lo) };
    if (sameSet(lists.before, lists.after)) continue;
    pushSpan(spans, cuts, c, lists, sameLists);
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

interface Lists {
  readonly before: string[];
  readonly after: string[];
}

interface Span<V> {
  start: RingPosition;
  end: RingPosition;
  value: V;
}

/** The replica ids of the range that ends at or after (hi, lo). */
function rowOf(core: RingCore, rows: Uint32Array, m: number, hi: number, lo: number): string[] {
  if (core.owner.length === 0) return [];
  const t = successor(core, hi, lo);
  return Array.from(rows.subarray(t * m, t * m + m), (i) => (core.members[i] as { id: string }).id);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function sameLists(a: Lists, b: Lists): boolean {
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
