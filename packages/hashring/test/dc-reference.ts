/**
 * A brute-force placement for data centers, racks and machines, written from
 * the rules in the README rather than from the walk: per DC (the whole ring
 * for a plain count), list that DC's nodes in clockwise order of first
 * appearance, take nodes of new racks and new machines, then nodes of new
 * machines; the preference list orders every pick by (pass, clockwise place).
 * Only the public API (nodes, tokens) and bigint arithmetic are used.
 */
import type { HashRing, Replication, RingNode, RingPosition, SloppyEntry } from '../src/index.js';

export interface DcRef {
  readonly order: (p: RingPosition) => string[];
  readonly node: ReadonlyMap<string, RingNode>;
}

export function dcRef(ring: HashRing): DcRef {
  const tokens = ring
    .nodes()
    .flatMap((n) => ring.tokens(n.id).map((pos) => ({ pos, id: n.id })))
    .sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const order = (p: RingPosition): string[] => {
    let start = tokens.findIndex((t) => t.pos >= p);
    if (start < 0) start = 0;
    const seen: string[] = [];
    for (let k = 0; k < tokens.length; k++) {
      const id = (tokens[(start + k) % tokens.length] as { id: string }).id;
      if (!seen.includes(id)) seen.push(id);
    }
    return seen;
  };
  return { order, node: new Map(ring.nodes().map((n) => [n.id, n])) };
}

export const machineOf = (n: RingNode): string => `${n.dc ?? ''}|${n.machine ?? `#${n.id}`}`;
const rackOf = (n: RingNode): string => `${n.dc ?? ''}|${n.rack ?? ''}`;

/** The groups of a replication: [DC name or undefined for all, count]. */
function groups(replication: Replication): [string | undefined, number][] {
  return typeof replication === 'number' ? [[undefined, replication]] : Object.entries(replication);
}

interface Pick {
  readonly id: string;
  readonly pass: number;
  readonly place: number;
}

/** Takes up to `count` of `candidates` (in clockwise order, `order` is the whole ring's): new racks and machines, then new machines. */
function take(ref: DcRef, order: readonly string[], candidates: readonly string[], count: number, usedMachines: Set<string>, usedRacks: Set<string>): Pick[] {
  const out: Pick[] = [];
  for (const pass of [1, 2]) {
    candidates.forEach((id) => {
      const place = order.indexOf(id);
      const n = ref.node.get(id) as RingNode;
      if (out.length >= count || usedMachines.has(machineOf(n)) || (pass === 1 && usedRacks.has(rackOf(n)))) return;
      usedMachines.add(machineOf(n));
      usedRacks.add(rackOf(n));
      out.push({ id, pass, place });
    });
  }
  return out;
}

const byPassThenPlace = (a: Pick, b: Pick): number => a.pass - b.pass || a.place - b.place;

function inGroup(ref: DcRef, id: string, dc: string | undefined): boolean {
  return dc === undefined || (ref.node.get(id)?.dc ?? '') === dc;
}

export function refDcPreferenceList(ref: DcRef, p: RingPosition, replication: Replication): string[] {
  if (ref.node.size === 0) return [];
  const order = ref.order(p);
  const picks = groups(replication).flatMap(([dc, count]) => take(ref, order, order.filter((id) => inGroup(ref, id, dc)), count, new Set(), new Set()));
  return picks.sort(byPassThenPlace).map((x) => x.id);
}

export function refDcSloppy(ref: DcRef, p: RingPosition, replication: Replication, down: ReadonlySet<string>): SloppyEntry[] {
  const primaries = refDcPreferenceList(ref, p, replication);
  if (!primaries.some((id) => down.has(id))) return primaries.map((node) => ({ node }));
  const order = ref.order(p);
  const standIns = new Map<string | undefined, string[]>();
  for (const [dc, count] of groups(replication)) {
    const mine = primaries.filter((id) => inGroup(ref, id, dc));
    const usedMachines = new Set(mine.map((id) => machineOf(ref.node.get(id) as RingNode)));
    const usedRacks = new Set(mine.filter((id) => !down.has(id)).map((id) => rackOf(ref.node.get(id) as RingNode)));
    const candidates = order.filter((id) => inGroup(ref, id, dc) && !primaries.includes(id) && !down.has(id));
    const wanted = Math.min(count, mine.filter((id) => down.has(id)).length);
    standIns.set(dc, take(ref, order, candidates, wanted, usedMachines, usedRacks).sort(byPassThenPlace).map((x) => x.id));
  }
  const out: SloppyEntry[] = [];
  for (const id of primaries) {
    if (!down.has(id)) {
      out.push({ node: id });
      continue;
    }
    const dc = typeof replication === 'number' ? undefined : (ref.node.get(id)?.dc ?? '');
    const next = standIns.get(dc)?.shift();
    if (next !== undefined) out.push({ node: next, hintFor: id });
  }
  return out;
}
