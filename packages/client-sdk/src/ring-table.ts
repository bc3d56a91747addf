/**
 * The ring as a client sees it: built from a node's `ring-ok` with the same
 * placement rule as the nodes (docs/format/wire.md, "Ring"), so a key's
 * preference list computed here is the one its coordinator uses.
 *
 * Placement rule: members whose status is normal, leaving, suspect or down
 * own tokens (a down member keeps its ranges; the nodes' sloppy quorum works
 * around it); joining members own none. Member m owns `round(m.vnodes ×
 * m.weight)` tokens: `HashRing.fromNodes` with spec weight
 * `m.weight × m.vnodes / ringVnodesBase` at `vnodes: ringVnodesBase`, dc
 * `m.dc`, rack `m.rack` (else the older `m.zone`) and machine `m.machine`,
 * each unless empty; a key's replicas follow the reply's replication map
 * (`replicas`) when it has one, else N.
 *
 * Invariants:
 *   1. A table is immutable; a refresh builds a new one.
 *   2. `replicas(key)` lists at most N (the map's sum) member ids, in preference
 *      order; `routable(id)` is true only for members a request may go to
 *      directly (normal or leaving, with a URL).
 *   3. `routeOrder(key)` equals `replicas(key)`; when one member owns every
 *      token (one node, or a cluster seen with one owner) it is the same
 *      list for every key, computed once and not hashed per request.
 */
import { HashRing, type NodeSpec, type Replication } from '@ringkv/hashring';
import type { Key, RingMember, RingOkMessage } from '@ringkv/protocol';
import { ringVnodesBase } from './limits.js';

const ownsTokens: ReadonlySet<string> = new Set(['normal', 'leaving', 'suspect', 'down']);
const routableStatus: ReadonlySet<string> = new Set(['normal', 'leaving']);

/** The hashring specs of the members that own tokens, sorted by id (the nodes' rule). */
export function placementSpecs(members: readonly RingMember[]): NodeSpec[] {
  return members
    .filter((m) => ownsTokens.has(m.status))
    .map((m) => {
      const rack = m.rack ?? m.zone;
      return {
        id: m.id, weight: (m.weight * m.vnodes) / ringVnodesBase,
        ...(m.dc === undefined || m.dc === '' ? {} : { dc: m.dc }), ...(rack === '' ? {} : { rack }),
        ...(m.machine === undefined || m.machine === '' ? {} : { machine: m.machine }),
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A ring snapshot for routing.
 *
 * When to use: built by the router from each `ring-ok`; read per request.
 * Gotchas: `fromReply` returns undefined for a reply no ring can be built
 * from (no member owns tokens, or hashring refuses the specs): the client
 * then routes every request through its seed connection.
 */
export class RingTable {
  /** The preference list of every key when one member owns all tokens (invariant 3), else undefined. */
  private readonly everyKey: readonly string[] | undefined;

  /** Members by DC (routable or not), sorted by id. */
  private readonly byDc = new Map<string, string[]>();

  private constructor(
    readonly version: number,
    readonly n: number,
    /** The replication map of the reply, else N: what preference lists are computed with. */
    readonly replication: Replication,
    readonly ring: HashRing,
    private readonly members: ReadonlyMap<string, RingMember>,
  ) {
    const owners = ring.nodes();
    this.everyKey = owners.length === 1 ? Object.freeze(owners.map((o) => o.id)) : undefined;
    for (const id of [...members.keys()].sort()) {
      const dc = members.get(id)?.dc ?? '';
      this.byDc.set(dc, [...(this.byDc.get(dc) ?? []), id]);
    }
  }

  /** The table of a `ring-ok`, or undefined when it describes no usable ring. */
  static fromReply(reply: Pick<RingOkMessage, 'version' | 'n' | 'members' | 'replicas'>): RingTable | undefined {
    const specs = placementSpecs(reply.members);
    if (specs.length === 0) return undefined;
    try {
      const ring = HashRing.fromNodes(specs, { vnodes: ringVnodesBase });
      const replication = reply.replicas ?? reply.n;
      ring.preferenceListAt(0n, replication); // a map hashring refuses makes no table, like bad specs
      return new RingTable(reply.version, reply.n, replication, ring, new Map(reply.members.map((m) => [m.id, m])));
    } catch {
      return undefined;
    }
  }

  /** The key's preference list, as the nodes compute it (per DC with a map, on distinct machines). */
  replicas(key: Key): string[] {
    return this.ring.preferenceList(key, this.replication);
  }

  /** The member's DC ('' when unlabelled or unknown). */
  dcOf(id: string): string {
    return this.members.get(id)?.dc ?? '';
  }

  /** The members listed in `dc`, sorted by id (any status: check `routable`). */
  membersIn(dc: string): readonly string[] {
    return this.byDc.get(dc) ?? [];
  }

  /**
   * `replicas(key)` for routing, read-only: shared between keys when one
   * member owns every token (invariant 3), so the hot path neither hashes
   * nor allocates there.
   */
  routeOrder(key: Key): readonly string[] {
    return this.everyKey ?? this.ring.preferenceList(key, this.replication);
  }

  /** The member, if listed. */
  member(id: string): RingMember | undefined {
    return this.members.get(id);
  }

  /** True when requests may go to `id` directly. */
  routable(id: string): boolean {
    const m = this.members.get(id);
    return m !== undefined && routableStatus.has(m.status) && m.url !== '';
  }

  /** Every listed member. */
  list(): RingMember[] {
    return [...this.members.values()];
  }
}
