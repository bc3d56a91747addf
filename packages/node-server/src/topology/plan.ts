/**
 * A dry run of a join or leave: the ring diff between the current ring and
 * the ring after the change, and for each range that moves, exact key and
 * byte counts from one live current owner (`range-stats`). Nothing changes.
 *
 * Figures: a move is (set of current replicas → one gaining node) with the
 * ranges, keys and bytes it receives; ranges whose preference lists hold the
 * same sources in another order are one move (`from` sorted by id), so a
 * plan has one row per (set of sources, receiver), sorted by receiver then
 * sources; `totals` sums the moves (key copies to
 * stream, one per key that gains a replica); `fractionOfKeys` is the share
 * of the cluster's distinct keys that gain a replica: the key copies stored
 * on every live member today (each member's whole data count), divided by
 * the copies each key has (min(N, ring size)), scaled up for members down.
 * (It divided by the copies before: 2 keys of 4 showed as 16.7 % with N=3.)
 */
import { replicationTotal } from '../cluster/placement-options.js';
import { HashRing, ringDiff, type NodeSpec, type RangeChange, type Replication } from '@ringkv/hashring';
import type { PeerMessage } from '@ringkv/protocol';
import type { PeerCallBody } from '../cluster/peer-link.js';
import { placementVersion, ringSpecs, ringVnodesBase, type RingView } from '../cluster/ring-view.js';
import type { StorageEngine } from '../store/engine-port.js';
import { streamCallTimeoutMs } from './limits.js';
import type { AdminResult } from './admin-result.js';
import { decodeCounts, encodeRanges, localCounts } from './streams.js';

/** `GET /admin/plan`'s query. */
export interface PlanQuery {
  readonly op: 'join' | 'leave';
  readonly id: string;
  readonly vnodes?: number;
  readonly weight?: number;
  /** The joining node's rack (`rack` or, its former name, `zone` in the query). */
  readonly zone?: string;
  readonly dc?: string;
  readonly machine?: string;
}

/** One move of a plan: ranges held today by the sources `from` (sorted by id; any of them can serve) that node `to` gains. */
export interface PlanMove {
  readonly from: string[];
  readonly to: string;
  ranges: number;
  keys: number;
  bytes: number;
}

/** `GET /admin/plan`'s answer. */
export interface Plan {
  readonly op: 'join' | 'leave';
  readonly id: string;
  readonly ringVersionBefore: number;
  readonly ringVersionAfter: number;
  readonly moves: PlanMove[];
  readonly totals: { ranges: number; keys: number; bytes: number; fractionOfKeys: number };
}

/** What a plan reads. */
export interface PlanPorts {
  readonly id: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  readonly view: RingView;
  readonly engine: Pick<StorageEngine, 'iterate'>;
  readonly call: (address: string, body: PeerCallBody, timeoutMs: number) => Promise<PeerMessage>;
}

type Counts = ReturnType<typeof decodeCounts>;

/** The ring after the change, or why the query is refused. */
function afterSpecs(q: PlanQuery, view: RingView): AdminResult<NodeSpec[]> {
  const members = view.snapshot().filter((m) => m.status !== 'left' && m.status !== 'joining');
  const inRing = view.ring.hasNode(q.id);
  if (q.op === 'leave') {
    if (!inRing) return { ok: false, status: 404, code: 'unknown-member', message: `${q.id} is not in the ring` };
    return { ok: true, value: ringSpecs(members.filter((m) => m.id !== q.id)) };
  }
  if (inRing) return { ok: false, status: 409, code: 'already-member', message: `${q.id} is already in the ring` };
  const joining = { id: q.id, status: 'normal' as const, vnodes: q.vnodes ?? ringVnodesBase, weight: q.weight ?? 1, zone: q.zone ?? '', dc: q.dc ?? '', machine: q.machine ?? '' };
  return { ok: true, value: ringSpecs([...members.filter((m) => m.id !== q.id), joining]) };
}

/** Computes a plan (module comment). */
export async function computePlan(q: PlanQuery, p: PlanPorts): Promise<AdminResult<Plan>> {
  const specs = afterSpecs(q, p.view);
  if (!specs.ok) return specs;
  const after = HashRing.fromNodes(specs.value, { vnodes: ringVnodesBase });
  const changes = ringDiff(p.view.ring, after, p.n).filter((c) => c.gained.length > 0);
  const live = p.view.ring.nodes().map((m) => m.id).filter((id) => !p.view.down.has(id) && p.view.addressOf(id) !== undefined);
  const bySource = new Map<string, RangeChange[]>(live.map((id) => [id, []]));
  const sourceOf = new Map<RangeChange, string>();
  for (const c of changes) {
    const source = c.before.find((id) => bySource.has(id));
    if (source === undefined) return { ok: false, status: 503, code: 'owners-down', message: 'every current owner of a moving range is down; counts are unknown' };
    bySource.get(source)?.push(c);
    sourceOf.set(c, source);
  }
  const counts = new Map<string, Counts>();
  try {
    await Promise.all([...bySource].map(async ([source, ranges]) => counts.set(source, await countsFrom(p, source, ranges))));
  } catch (error) {
    return { ok: false, status: 503, code: 'owner-unreachable', message: `a current owner did not answer: ${(error as Error).message}` };
  }
  return { ok: true, value: assemble(q, p, specs.value, changes, sourceOf, bySource, counts) };
}

async function countsFrom(p: PlanPorts, source: string, ranges: readonly RangeChange[]): Promise<Counts> {
  if (source === p.id) return localCounts(p.engine, ranges);
  const reply = await p.call(p.view.addressOf(source) as string, { type: 'range-stats', ranges: encodeRanges(ranges) }, streamCallTimeoutMs);
  if (reply.type !== 'range-stats-ok') throw new Error(reply.type === 'peer-error' ? reply.message : `${source} answered ${reply.type}`);
  return decodeCounts(reply.counts);
}

function assemble(
  q: PlanQuery,
  p: PlanPorts,
  specs: NodeSpec[],
  changes: readonly RangeChange[],
  sourceOf: Map<RangeChange, string>,
  bySource: Map<string, RangeChange[]>,
  counts: Map<string, Counts>,
): Plan {
  const moves = new Map<string, PlanMove>();
  const totals = { ranges: 0, keys: 0, bytes: 0, fractionOfKeys: 0 };
  for (const c of changes) {
    const source = sourceOf.get(c) as string;
    const index = (bySource.get(source) as RangeChange[]).indexOf(c);
    const figures = (counts.get(source) as Counts).ranges[index] ?? { keys: 0, bytes: 0 };
    for (const to of c.gained) {
      const from = [...c.before].sort();
      const key = `${from.join(',')}>${to}`;
      const move = moves.get(key) ?? { from, to, ranges: 0, keys: 0, bytes: 0 };
      move.ranges++;
      move.keys += figures.keys;
      move.bytes += figures.bytes;
      moves.set(key, move);
      totals.ranges++;
      totals.keys += figures.keys;
      totals.bytes += figures.bytes;
    }
  }
  // Members store key copies; a key has min(N, ring size) of them, of which the live members (the ones counted) hold
  // their share. So the cluster's distinct keys ≈ copies counted × ring size ÷ (live members × copies per key).
  let stored = 0;
  for (const c of counts.values()) stored += c.total.keys;
  const ringSize = p.view.ring.nodes().length;
  const keysInCluster = (stored * ringSize) / (Math.max(1, counts.size) * Math.max(1, Math.min(replicationTotal(p.n), ringSize)));
  totals.fractionOfKeys = keysInCluster === 0 ? 0 : Math.min(1, totals.keys / keysInCluster);
  return { op: q.op, id: q.id, ringVersionBefore: p.view.version, ringVersionAfter: placementVersion(specs), moves: sortMoves([...moves.values()]), totals };
}

/** By receiver, then by the (sorted) sources. */
function sortMoves(moves: PlanMove[]): PlanMove[] {
  const text = (m: PlanMove): string => m.from.join(',');
  return moves.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}
