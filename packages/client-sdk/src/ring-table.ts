/**
 * The ring as a client sees it: built from a node's `ring-ok` with the same
 * placement rule as the nodes (docs/format/wire.md, "Ring"), so a key's
 * preference list computed here is the one its coordinator uses.
 *
 * Placement rule: members whose status is normal, leaving, suspect or down
 * own tokens (a down member keeps its ranges; the nodes' sloppy quorum works
 * around it); joining members own none. Member m owns `round(m.vnodes ×
 * m.weight)` tokens: `HashRing.fromNodes` with spec weight
 * `m.weight × m.vnodes / ringVnodesBase` at `vnodes: ringVnodesBase`, zone
 * `m.zone` unless empty.
 *
 * Invariants:
 *   1. A table is immutable; a refresh builds a new one.
 *   2. `replicas(key)` lists at most `n` distinct member ids, in preference
 *      order; `routable(id)` is true only for members a request may go to
 *      directly (normal or leaving, with a URL).
 *   3. `routeOrder(key)` equals `replicas(key)`; when one member owns every
 *      token (one node, or a cluster seen with one owner) it is the same
 *      list for every key, computed once and not hashed per request.
 */
import { HashRing, type NodeSpec } from '@ringkv/hashring';
import type { Key, RingMember, RingOkMessage } from '@ringkv/protocol';
import { ringVnodesBase } from './limits.js';

const ownsTokens: ReadonlySet<string> = new Set(['normal', 'leaving', 'suspect', 'down']);
const routableStatus: ReadonlySet<string> = new Set(['normal', 'leaving']);

/** The hashring specs of the members that own tokens, sorted by id (the nodes' rule). */
export function placementSpecs(members: readonly RingMember[]): NodeSpec[] {
  return members
    .filter((m) => ownsTokens.has(m.status))
    .map((m) => ({ id: m.id, weight: (m.weight * m.vnodes) / ringVnodesBase, ...(m.zone === '' ? {} : { zone: m.zone }) }))
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

  private constructor(
    readonly version: number,
    readonly n: number,
    readonly ring: HashRing,
    private readonly members: ReadonlyMap<string, RingMember>,
  ) {
    const owners = ring.nodes();
    this.everyKey = owners.length === 1 ? Object.freeze(owners.map((o) => o.id)) : undefined;
  }

  /** The table of a `ring-ok`, or undefined when it describes no usable ring. */
  static fromReply(reply: Pick<RingOkMessage, 'version' | 'n' | 'members'>): RingTable | undefined {
    const specs = placementSpecs(reply.members);
    if (specs.length === 0) return undefined;
    try {
      const ring = HashRing.fromNodes(specs, { vnodes: ringVnodesBase });
      return new RingTable(reply.version, reply.n, ring, new Map(reply.members.map((m) => [m.id, m])));
    } catch {
      return undefined;
    }
  }

  /** The key's preference list: the first `n` distinct members clockwise from its hash. */
  replicas(key: Key): string[] {
    return this.ring.preferenceList(key, this.n);
  }

  /**
   * `replicas(key)` for routing, read-only: shared between keys when one
   * member owns every token (invariant 3), so the hot path neither hashes
   * nor allocates there.
   */
  routeOrder(key: Key): readonly string[] {
    return this.everyKey ?? this.ring.preferenceList(key, this.n);
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
