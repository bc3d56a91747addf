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
 *   4. Data centers are numbered densely in name order (a member without one
 *      is in the unnamed DC ''); racks and machines are numbered densely by
 *      (DC, label), so a rack or machine name in two DCs is two racks or two
 *      machines. A member without a rack is in its DC's unnamed rack; a member
 *      without a machine label is a machine of its own.
 */
import { xxh64String } from './xxhash64.js';

/** One physical node and its own tokens, sorted by position. Shared between cores. */
export interface Member {
  readonly id: string;
  readonly weight: number;
  readonly dc: string | undefined;
  readonly rack: string | undefined;
  readonly machine: string | undefined;
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
  /** DC index of each member (index into `dcNames`). */
  readonly dcOf: Uint32Array;
  /** Rack index of each member, dense over (DC, rack label). */
  readonly rackOf: Uint32Array;
  /** Machine index of each member, dense over (DC, machine label or, without one, the member itself). */
  readonly machineOf: Uint32Array;
  /** DC names, sorted; the unnamed DC is ''. */
  readonly dcNames: readonly string[];
  readonly rackCount: number;
  readonly machineCount: number;
  /** Distinct racks and machines per DC index. */
  readonly racksPerDc: Uint32Array;
  readonly machinesPerDc: Uint32Array;
  /** Replica rows per replication (keyed by `replicationKey`), computed on first use (see ranges.ts); a cache, not state. */
  readonly rows: Map<string, Uint32Array>;
  /** Per-slot replica needs per replication (replication.ts `slotNeeds`); a cache, not state. */
  readonly needs: Map<string, Int32Array>;
  /** The replication `slotNeeds` answered last and its needs (a one-entry cache in front of `needs`). */
  readonly lastNeeds: { valid: object | undefined; needs: Int32Array };
}

/** The labels of a member, as given (undefined: none). */
export interface MemberLabels {
  readonly dc: string | undefined;
  readonly rack: string | undefined;
  readonly machine: string | undefined;
}

/** The member `id` with `count` tokens, sorted by position. */
export function makeMember(id: string, weight: number, labels: MemberLabels, count: number): Member {
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
  return { id, weight, dc: labels.dc, rack: labels.rack, machine: labels.machine, hi, lo };
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
  const dcNames = [...new Set(members.map((m) => m.dc ?? ''))].sort(compareIds);
  const dcIndex = new Map(dcNames.map((d, i) => [d, i] as const));
  const dcOf = Uint32Array.from(members, (m) => dcIndex.get(m.dc ?? '') as number);
  const racks = denseIndex(members, (m) => `${m.dc ?? ''}\u0000${m.rack ?? ''}`);
  // A member without a machine label is its own machine: its id, in a namespace labels cannot reach.
  const machines = denseIndex(members, (m) => `${m.dc ?? ''}\u0000${m.machine === undefined ? `\u0001${m.id}` : m.machine}`);
  const racksPerDc = perDc(dcNames.length, dcOf, racks.of);
  const machinesPerDc = perDc(dcNames.length, dcOf, machines.of);
  return {
    ...table, vnodes, members, indexOf, dcOf, rackOf: racks.of, machineOf: machines.of, dcNames,
    rackCount: racks.count, machineCount: machines.count, racksPerDc, machinesPerDc, rows: new Map(), needs: new Map(), lastNeeds: { valid: undefined, needs: new Int32Array(0) },
  };
}

/** Numbers the distinct values of `label` over `members` densely, in first-seen order (members are sorted, so it is deterministic). */
function denseIndex(members: readonly Member[], label: (m: Member) => string): { of: Uint32Array; count: number } {
  const index = new Map<string, number>();
  const of = Uint32Array.from(members, (m) => {
    const key = label(m);
    let at = index.get(key);
    if (at === undefined) index.set(key, (at = index.size));
    return at;
  });
  return { of, count: index.size };
}

/** How many distinct values of `of` each DC holds. */
function perDc(dcCount: number, dcOf: Uint32Array, of: Uint32Array): Uint32Array {
  const seen = new Set<number>();
  const counts = new Uint32Array(dcCount);
  of.forEach((value, member) => {
    if (seen.has(value)) return;
    seen.add(value);
    counts[dcOf[member] as number]!++;
  });
  return counts;
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
