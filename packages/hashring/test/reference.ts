/**
 * Slow, obviously correct reference answers computed only from the public API
 * (members, their token positions) with bigint arithmetic, to check the fast
 * typed-array implementation against.
 */
import type { HashRing, RingPosition, SloppyEntry } from '../src/index.js';

export interface RefRing {
  /** Tokens sorted by (position, id): the documented tie-break. */
  readonly tokens: readonly { readonly pos: bigint; readonly id: string }[];
  readonly zoneOf: ReadonlyMap<string, string>;
  readonly zoneCount: number;
}

export function refRing(ring: HashRing): RefRing {
  const tokens = ring
    .nodes()
    .flatMap((node) => ring.tokens(node.id).map((pos) => ({ pos, id: node.id })))
    .sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const zoneOf = new Map(ring.nodes().map((n) => [n.id, n.zone ?? ''] as const));
  return { tokens, zoneOf, zoneCount: new Set(zoneOf.values()).size };
}

/** Distinct node ids clockwise from the first token at or after p. */
function clockwise(ref: RefRing, p: RingPosition): string[] {
  const { tokens } = ref;
  let start = tokens.findIndex((t) => t.pos >= p);
  if (start < 0) start = 0;
  const seen = new Set<string>();
  for (let k = 0; k < tokens.length; k++) seen.add((tokens[(start + k) % tokens.length] as { id: string }).id);
  return [...seen];
}

/** Takes `need` ids from `order`, zones not yet in `usedZones` first, then any. */
function zonedTake(ref: RefRing, order: readonly string[], need: number, usedZones: Set<string>): string[] {
  const taken: string[] = [];
  if (ref.zoneCount > 1) {
    for (const id of order) {
      if (taken.length >= need || usedZones.size >= ref.zoneCount) break;
      const zone = ref.zoneOf.get(id) as string;
      if (!usedZones.has(zone)) {
        usedZones.add(zone);
        taken.push(id);
      }
    }
  }
  for (const id of order) {
    if (taken.length >= need) break;
    if (!taken.includes(id)) taken.push(id);
  }
  return taken;
}

export function refPreferenceList(ref: RefRing, p: RingPosition, n: number): string[] {
  if (ref.tokens.length === 0) return [];
  const order = clockwise(ref, p);
  return zonedTake(ref, order, Math.min(n, order.length), new Set());
}

export function refSloppy(ref: RefRing, p: RingPosition, n: number, down: ReadonlySet<string>): SloppyEntry[] {
  const primaries = refPreferenceList(ref, p, n);
  if (primaries.length === 0) return [];
  const healthyZones = new Set(primaries.filter((id) => !down.has(id)).map((id) => ref.zoneOf.get(id) as string));
  const candidates = clockwise(ref, p).filter((id) => !primaries.includes(id) && !down.has(id));
  const downCount = primaries.filter((id) => down.has(id)).length;
  const standIns = zonedTake(ref, candidates, Math.min(downCount, candidates.length), healthyZones);
  const out: SloppyEntry[] = [];
  for (const id of primaries) {
    if (!down.has(id)) out.push({ node: id });
    else if (standIns.length > 0) out.push({ node: standIns.shift() as string, hintFor: id });
  }
  return out;
}

/** Positions that probe every edge: each token, one past it, one before it, 0 and the maximum. */
export function edgePositions(ref: RefRing): bigint[] {
  const max = (1n << 64n) - 1n;
  const out = [0n, max];
  for (const t of ref.tokens) out.push(t.pos, t.pos === max ? 0n : t.pos + 1n, t.pos === 0n ? max : t.pos - 1n);
  return out;
}
