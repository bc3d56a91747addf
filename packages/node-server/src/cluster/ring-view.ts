/**
 * The ring as this node sees it, derived from gossip membership.
 *
 * Placement rule (shared with clients, docs/format/wire.md "Ring"): the ring
 * holds every member whose status is normal, leaving, suspect or down (a down
 * member keeps its ranges; the sloppy quorum works around it); joining and
 * left members own nothing. Member m owns `round(m.vnodes × m.weight)` tokens:
 * the ring is `HashRing.fromNodes(specs, { vnodes: ringVnodesBase })` with
 * spec weight `m.weight × m.vnodes / ringVnodesBase`, dc `m.dc`, rack `m.zone`
 * (gossip's name of the rack) and machine `m.machine` (each left out when '').
 * Replicas of a key go by the cluster's replication (N, or the replication
 * map per DC): distinct machines always, distinct racks first (hashring).
 *
 * The *future ring* is the ring once every change in progress is done:
 * joining members count as normal, leaving members as removed. While they
 * differ (`changing`), coordinators also write each key to its pending
 * replicas (future preference list minus current one).
 *
 * Invariants:
 *   1. `ring` is rebuilt only when the placement (ids, vnodes, weights, zones
 *      of ring members) changes; a suspect/down change only updates `down`.
 *   2. `version` is a 32-bit fingerprint of the placement: equal on every
 *      node (and client) that sees the same members.
 *   3. This node is in its own ring exactly when its own status puts it
 *      there: a joining node owns nothing (it forwards writes and
 *      coordinates reads), a normal or leaving one serves its ranges.
 *   4. `future` is rebuilt only when its placement changes; `changing` is
 *      true iff some member is joining or leaving.
 */
import { HashRing, type NodeSpec, type Replication } from '@ringkv/hashring';
import type { MemberSnapshot } from '@ringkv/gossip';
import type { RingMember, RingMemberStatus } from '@ringkv/protocol';

/** The hashring `vnodes` the placement rule scales weights by (a member's hashring weight is `weight × vnodes / 64`). */
export const ringVnodesBase = 64;

const inRing: ReadonlySet<string> = new Set(['normal', 'leaving', 'suspect', 'down']);

/** The members of the future ring: joining ones as normal, leaving ones gone (module comment). */
export function futureMembers<M extends Pick<MemberSnapshot, 'status'>>(members: readonly M[]): M[] {
  return members.filter((m) => m.status !== 'leaving').map((m) => (m.status === 'joining' ? { ...m, status: 'normal' as const } : m));
}

/**
 * The hashring specs of the members that own tokens, sorted by id: build the
 * ring as `HashRing.fromNodes(ringSpecs(members), { vnodes: ringVnodesBase })`.
 *
 * When to use: tests and tools that must compute the ring exactly as nodes do
 * (a `ring-ok` reply's members fit `members`). Clients that cannot import
 * node-server follow the same rule, written out in wire.md ("Ring").
 */
export function ringSpecs(members: readonly Pick<MemberSnapshot, 'id' | 'status' | 'vnodes' | 'weight' | 'zone' | 'dc' | 'machine'>[]): NodeSpec[] {
  return members
    .filter((m) => inRing.has(m.status))
    .map((m) => ({
      id: m.id, weight: (m.weight * m.vnodes) / ringVnodesBase,
      // The spec a client builds from ring-ok's dc, rack and machine (wire.md, "Ring").
      ...(m.dc === undefined || m.dc === '' ? {} : { dc: m.dc }), ...(m.zone === '' ? {} : { rack: m.zone }),
      ...(m.machine === undefined || m.machine === '' ? {} : { machine: m.machine }),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The ring `version` of `ring-ok` and /status: FNV-1a over the placement
 * (ids, hashring weights, racks, and DCs and machines where set: a ring
 * without them keeps the version it had before they existed), a stable
 * 32-bit fingerprint. Equal rings
 * give equal versions on every node; a collision only delays a client's refresh.
 */
export function placementVersion(specs: readonly NodeSpec[]): number {
  let h = 0x811c9dc5;
  const text = specs
    .map((s) => `${s.id}\u0000${s.weight ?? 1}\u0000${s.rack ?? s.zone ?? ''}${s.dc === undefined && s.machine === undefined ? '' : `\u0000${s.dc ?? ''}\u0000${s.machine ?? ''}`}`)
    .join('\u0001');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Ring, down set and client-facing member list, kept current from gossip.
 *
 * When to use: one per node; call `update(snapshot)` on every gossip event
 * that can change membership; the coordinator reads `ring`/`down` per request.
 */
export class RingView {
  ring: HashRing;
  /** The ring once every join and leave in progress is done (module comment). */
  future: HashRing;
  /** True while some member is joining or leaving. */
  changing = false;
  down: ReadonlySet<string> = new Set();
  version = 0;
  futureVersion = 0;
  private members: readonly MemberSnapshot[] = [];
  private addresses = new Map<string, string>();
  /** Times the placement changed (ring rebuilt). */
  rebuilds = 0;
  /**
   * Called after every placement change, whoever called `update` (gossip
   * events, or topology announcing this node's own status): anti-entropy's
   * trees group keys by the ring, so no change may go unannounced.
   */
  onPlacementChange: (() => void) | undefined;

  constructor(private readonly self: MemberSnapshot) {
    this.ring = HashRing.fromNodes(ringSpecs([self]), { vnodes: ringVnodesBase });
    this.version = placementVersion(ringSpecs([self]));
    this.future = HashRing.fromNodes(ringSpecs(futureMembers([self])), { vnodes: ringVnodesBase });
    this.futureVersion = placementVersion(ringSpecs(futureMembers([self])));
    this.changing = self.status === 'joining' || self.status === 'leaving';
    this.members = [self];
    this.addresses.set(self.id, self.address);
  }

  /** Applies a gossip snapshot (self included); returns true when the placement changed. */
  update(snapshot: readonly MemberSnapshot[]): boolean {
    const withSelf = snapshot.some((m) => m.id === this.self.id) ? snapshot : [...snapshot, this.self];
    this.members = withSelf;
    this.addresses = new Map(withSelf.map((m) => [m.id, m.address]));
    this.down = new Set(withSelf.filter((m) => m.status === 'down').map((m) => m.id));
    this.changing = withSelf.some((m) => m.status === 'joining' || m.status === 'leaving');
    this.updateFuture(withSelf);
    const specs = ringSpecs(withSelf);
    const version = placementVersion(specs);
    if (version === this.version && this.ring.size === specs.length) return false;
    this.ring = HashRing.fromNodes(specs, { vnodes: ringVnodesBase });
    this.version = version;
    this.rebuilds++;
    this.onPlacementChange?.();
    return true;
  }

  private updateFuture(members: readonly MemberSnapshot[]): void {
    const specs = ringSpecs(futureMembers(members));
    const version = placementVersion(specs);
    if (version === this.futureVersion && this.future.size === specs.length) return;
    this.future = HashRing.fromNodes(specs, { vnodes: ringVnodesBase });
    this.futureVersion = version;
  }

  /**
   * The pending replicas of `key`: nodes of its future preference list that
   * are not in its current one (empty unless `changing`). Coordinators write
   * to them too, without counting them toward W.
   */
  pendingReplicas(key: string | Uint8Array, n: Replication): string[] {
    if (!this.changing) return [];
    const current = this.ring.preferenceList(key, n);
    return this.future.preferenceList(key, n).filter((id) => !current.includes(id));
  }

  /** This node's own status as gossip last reported it. */
  selfStatus(): MemberSnapshot['status'] {
    return this.members.find((m) => m.id === this.self.id)?.status ?? this.self.status;
  }

  /** The address (ws URL) of member `id`, if known. */
  addressOf(id: string): string | undefined {
    return this.addresses.get(id);
  }

  /** Every known member (left ones excluded), for `ring-ok` and /status. */
  ringMembers(): RingMember[] {
    return this.members
      .filter((m) => m.status !== 'left')
      // `zone` repeats the rack for clients that predate `rack` (wire.md, "Ring").
      .map((m) => ({ id: m.id, url: m.address, vnodes: m.vnodes, weight: m.weight, zone: m.zone, dc: m.dc ?? '', rack: m.zone, machine: m.machine ?? '', status: m.status as RingMemberStatus }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The members as gossip judges them. */
  snapshot(): readonly MemberSnapshot[] {
    return this.members;
  }
}
