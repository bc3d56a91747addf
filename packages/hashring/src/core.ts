/**
 * The ring's data: its members and their tokens in sorted typed arrays.
 *
 * A `RingCore` is never mutated after it is built; a membership change builds
 * a new core (sharing the members' token arrays) so a ring handed to readers
 * stays valid forever. Building is a merge of sorted arrays, never a rescan of
 * hashes: O(tokens) for one join or leave, O(tokens · log nodes) from scratch.
 *
 * Invariants:
 *   1. `members` is sorted by id (UTF-16 code unit order); a member's index is
 *      its place there, so the same member set yields the same core whatever
 *      the order of joins.
 *   2. Tokens are sorted by (hi, lo, owner index): position first, and two
 *      tokens at the same 64-bit position (astronomically rare, but possible)
 *      in id order, so even that tie is broken the same way on every node.
 *   3. Token i of a member (i < round(weight · vnodes)) is at
 *      XXH64(id + '#' + i); raising a weight only adds tokens, so it moves the
 *      least data.
 *   4. Zones are numbered densely in name order; a member without a zone is in
 *      the unnamed zone ''. `zoneCount` is the number of distinct zones.
 */
import { xxh64String } from './xxhash64.js';

/** One physical node and its own tokens, sorted by position. Shared between cores. */
export interface Member {
  readonly id: string;
  readonly weight: number;
  readonly zone: string | undefined;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
}

/** Every token of a ring in ring order, with its owner's member index. */
export interface TokenTable {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly owner: Uint32Array;
}

export interface RingCore extends TokenTable {
  readonly vnodes: number;
  readonly members: readonly Member[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly zoneOf: Uint32Array;
  readonly zoneCount: number;
  /** Replica rows per replica count, computed on first use (see ranges.ts); a cache, not state. */
  readonly rows: Map<number, Uint32Array>;
}

/** The member `id` with `count` tokens, sorted by position. */
export function makeMember(id: string, weight: number, zone: string | undefined, count: number): Member {
  const words = new Uint32Array(2);
  const rawHi = new Uint32Array(count);
  const rawLo = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    xxh64String(`${id}#${i}`, words);
    rawHi[i] = words[0] as number;
    rawLo[i] = words[1] as number;
  }
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => (rawHi[a] as number) - (rawHi[b] as number) || (rawLo[a] as number) - (rawLo[b] as number));
  const hi = new Uint32Array(count);
  const lo = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    hi[i] = rawHi[order[i] as number] as number;
    lo[i] = rawLo[order[i] as number] as number;
  }
  return { id, weight, zone, hi, lo };
}

/** The core of exactly these members (any order). */
export function buildCore(vnodes: number, members: readonly Member[]): RingCore {
  const sorted = [...members].sort((a, b) => compareIds(a.id, b.id));
  let tables: TokenTable[] = sorted.map((m, index) => ({ hi: m.hi, lo: m.lo, owner: new Uint32Array(m.hi.length).fill(index) }));
  // A tournament of pairwise merges: each token is copied log2(members) times.
  while (tables.length > 1) {
    const next: TokenTable[] = [];
    for (let i = 0; i < tables.length; i += 2) {
      const a = tables[i] as TokenTable;
      const b = tables[i + 1];
      next.push(b === undefined ? a : mergeTables(a, b));
    }
    tables = next;
  }
  const table = tables[0] ?? { hi: new Uint32Array(0), lo: new Uint32Array(0), owner: new Uint32Array(0) };
  return assemble(vnodes, sorted, table);
}

/** The core with `member` added; O(tokens). The caller has checked it is not a member yet. */
export function addMember(core: RingCore, member: Member): RingCore {
  const members = [...core.members, member].sort((a, b) => compareIds(a.id, b.id));
  const at = members.indexOf(member);
  // Members after the new one shift up by one index.
  const owner = core.owner.map((o) => (o >= at ? o + 1 : o));
  const own: TokenTable = { hi: member.hi, lo: member.lo, owner: new Uint32Array(member.hi.length).fill(at) };
  return assemble(core.vnodes, members, mergeTables({ hi: core.hi, lo: core.lo, owner }, own));
}

/** The core without the member at index `at`; O(tokens). */
export function removeMember(core: RingCore, at: number): RingCore {
  const members = core.members.filter((_, i) => i !== at);
  const keep = core.hi.length - ((core.members[at] as Member).hi.length);
  const hi = new Uint32Array(keep);
  const lo = new Uint32Array(keep);
  const owner = new Uint32Array(keep);
  let j = 0;
  for (let i = 0; i < core.hi.length; i++) {
    const o = core.owner[i] as number;
    if (o === at) continue;
    hi[j] = core.hi[i] as number;
    lo[j] = core.lo[i] as number;
    owner[j] = o > at ? o - 1 : o;
    j++;
  }
  return assemble(core.vnodes, members, { hi, lo, owner });
}

/**
 * Index of the first token at or after (hi, lo), wrapping to 0 past the last:
 * the token that owns the position. O(log tokens). The table must be non-empty.
 */
export function successor(table: TokenTable, hi: number, lo: number): number {
  const his = table.hi;
  const los = table.lo;
  let low = 0;
  let high = his.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const h = his[mid] as number;
    if (h < hi || (h === hi && (los[mid] as number) < lo)) low = mid + 1;
    else high = mid;
  }
  return low === his.length ? 0 : low;
}

/** Code-unit order of ids, the same in every JavaScript engine (unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assemble(vnodes: number, members: readonly Member[], table: TokenTable): RingCore {
  const indexOf = new Map<string, number>();
  members.forEach((m, i) => indexOf.set(m.id, i));
  const zoneNames = [...new Set(members.map((m) => m.zone ?? ''))].sort(compareIds);
  const zoneIndex = new Map(zoneNames.map((z, i) => [z, i] as const));
  const zoneOf = Uint32Array.from(members, (m) => zoneIndex.get(m.zone ?? '') as number);
  return { ...table, vnodes, members, indexOf, zoneOf, zoneCount: zoneNames.length, rows: new Map() };
}

/** Merges two sorted tables by (hi, lo, owner). */
function mergeTables(a: TokenTable, b: TokenTable): TokenTable {
  const total = a.hi.length + b.hi.length;
  const hi = new Uint32Array(total);
  const lo = new Uint32Array(total);
  const owner = new Uint32Array(total);
  let i = 0;
  let j = 0;
  for (let k = 0; k < total; k++) {
    const takeA = j >= b.hi.length || (i < a.hi.length && tokenBefore(a, i, b, j));
    const src = takeA ? a : b;
    const at = takeA ? i++ : j++;
    hi[k] = src.hi[at] as number;
    lo[k] = src.lo[at] as number;
    owner[k] = src.owner[at] as number;
  }
  return { hi, lo, owner };
}

function tokenBefore(a: TokenTable, i: number, b: TokenTable, j: number): boolean {
  const ah = a.hi[i] as number;
  const bh = b.hi[j] as number;
  if (ah !== bh) return ah < bh;
  const al = a.lo[i] as number;
  const bl = b.lo[j] as number;
  if (al !== bl) return al < bl;
  return (a.owner[i] as number) < (b.owner[j] as number);
}
