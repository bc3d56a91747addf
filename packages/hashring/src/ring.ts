/**
 * `HashRing`: an immutable consistent-hash ring of weighted physical nodes.
 *
 * Immutability is the snapshot story: `addNode`, `removeNode` and `updateNode`
 * return a new ring and leave the receiver untouched, so a node can hand its
 * current ring to in-flight requests, build the next one on a membership
 * change, diff the two (`ringDiff`) and swap a single reference. Rings share
 * their members' token arrays; a change costs O(tokens), never a rehash.
 *
 * Concurrency: single-threaded; lookups use module-level scratch (see walk.ts)
 * and never allocate beyond their result.
 *
 * Invariants:
 *   1. A ring is a pure function of (vnodes, set of {id, weight, dc, rack,
 *      machine}): the order of joins and leaves that produced it is unobservable.
 *   2. `preferenceList(key, replication)` returns nodes on distinct machines:
 *      for a count n, min(n, machines) of them over the whole ring; for a
 *      replication map, min(count, machines of the DC) in each DC it names.
 *      Each DC's picks cover as many of its racks as they can before a rack
 *      repeats; picks are in walk order (see walk.ts).
 *   3. Lookups are O(log tokens) (binary search over sorted typed arrays) plus
 *      a walk that skips already-chosen physical nodes.
 */
import { addMember, buildCore, makeMember, removeMember, successor, type Member, type MemberLabels, type RingCore } from './core.js';
import { HashRingError } from './errors.js';
import { dcLengthMax, machineLengthMax, nodeIdLengthMax, nodesMax, replicasDefault, tokensMax, vnodesDefault, vnodesMax, weightMax, zoneLengthMax } from './limits.js';
import { hashKeyWords, positionBytesToWords, positionToWords, wordsToPosition, type RingPosition } from './position.js';
import { diffCores, memberShares, nodeRanges, type NodeRange, type Ownership, type RangeChange } from './ranges.js';
import { checkReplication, slotNeeds, type Replication, type ValidReplication } from './replication.js';
import { beginWalk, collect, markMachine, markNode, markRack, picks, setNeed, setNeeds, slotOf } from './walk.js';

/** Options of a new, empty ring. */
export interface HashRingOptions {
  /** Tokens per unit of weight; an integer in [1, vnodesMax]. Default `vnodesDefault` (256). */
  readonly vnodes?: number;
}

/** A node to add: its id, and optionally its weight (default 1) and placement labels (default: none). */
export interface NodeSpec {
  readonly id: string;
  /** Capacity relative to a weight-1 node; the node gets round(weight × vnodes) ≥ 1 tokens. */
  readonly weight?: number;
  /** Data center; a replication map counts replicas per DC. */
  readonly dc?: string;
  /** Rack (failure domain inside a DC); replicas prefer distinct racks. */
  readonly rack?: string;
  /** Physical machine; no two replicas of a key are ever on one machine. Default: the node is a machine of its own. */
  readonly machine?: string;
  /** The former name of `rack`, kept as an alias: giving both with different values is `invalid-argument`. */
  readonly zone?: string;
}

/** A member as the ring sees it. */
export interface RingNode {
  readonly id: string;
  readonly weight: number;
  readonly dc: string | undefined;
  readonly rack: string | undefined;
  readonly machine: string | undefined;
  /** Equal to `rack` (the alias of older versions). */
  readonly zone: string | undefined;
  /** How many tokens (virtual nodes) it holds. */
  readonly tokens: number;
}

/** One place of a sloppy preference list: the node to use and, for a stand-in, the down primary it holds hints for. */
export interface SloppyEntry {
  readonly node: string;
  /** Set when `node` stands in for this down primary: writes to `node` carry a hint targeted at it. */
  readonly hintFor?: string;
}

const words = new Uint32Array(2);

let wrapCore: (core: RingCore) => HashRing;
let coreOf: (ring: HashRing) => RingCore;

/**
 * An immutable consistent-hash ring. Build it with `new HashRing({ vnodes })`
 * then `addNode` (each call returns a new ring), or at once with
 * `HashRing.fromNodes`.
 *
 * Gotcha: `ring.addNode('a')` does not change `ring`; keep the result.
 */
export class HashRing {
  #core: RingCore;

  static {
    wrapCore = (core) => {
      const ring = new HashRing({ vnodes: core.vnodes });
      ring.#core = core;
      return ring;
    };
    coreOf = (ring) => ring.#core;
  }

  /**
   * An empty ring. Throws `invalid-argument` when `vnodes` is not an integer in
   * [1, vnodesMax]. An empty ring answers every lookup with an empty list.
   */
  constructor(options: HashRingOptions = {}) {
    const vnodes = options.vnodes ?? vnodesDefault;
    if (!Number.isInteger(vnodes) || vnodes < 1 || vnodes > vnodesMax) {
      throw new HashRingError('invalid-argument', `vnodes must be an integer in [1, ${vnodesMax}], got ${vnodes}`);
    }
    this.#core = buildCore(vnodes, []);
  }

  /**
   * The ring of exactly these nodes, built in one pass (faster than repeated
   * `addNode` for many nodes). Same errors as `addNode`.
   */
  static fromNodes(nodes: Iterable<string | NodeSpec>, options: HashRingOptions = {}): HashRing {
    const vnodes = new HashRing(options).vnodes;
    const specs: ValidSpec[] = [];
    const seen = new Set<string>();
    let tokens = 0;
    for (const spec of nodes) {
      const valid = validateSpec(spec, vnodes);
      if (seen.has(valid.id)) throw new HashRingError('duplicate-node', `node ${JSON.stringify(valid.id)} given twice`);
      seen.add(valid.id);
      tokens += valid.count;
      checkGrowth(specs.length + 1, tokens);
      specs.push(valid);
    }
    // Tokens are hashed only once every spec has passed its checks.
    return wrapCore(buildCore(vnodes, specs.map(toMember)));
  }

  /** Tokens per unit of weight. */
  get vnodes(): number {
    return this.#core.vnodes;
  }

  /** Number of physical nodes. */
  get size(): number {
    return this.#core.members.length;
  }

  /** Number of tokens (virtual nodes) over all nodes. */
  get tokenCount(): number {
    return this.#core.owner.length;
  }

  /**
   * A new ring with the node added. A bare string is `{ id }` with weight 1 and
   * no labels. Throws `duplicate-node` if the id is a member, `invalid-argument`
   * for a bad id, weight or label, `limit-exceeded` past nodesMax or tokensMax.
   */
  addNode(spec: string | NodeSpec): HashRing {
    const core = this.#core;
    const valid = validateSpec(spec, core.vnodes);
    if (core.indexOf.has(valid.id)) throw new HashRingError('duplicate-node', `node ${JSON.stringify(valid.id)} is already a member`);
    checkGrowth(core.members.length + 1, core.owner.length + valid.count);
    return wrapCore(addMember(core, toMember(valid)));
  }

  /** A new ring without the node. Throws `unknown-node` if it is not a member. */
  removeNode(id: string): HashRing {
    return wrapCore(removeMember(this.#core, this.#indexOf(id)));
  }

  /**
   * A new ring where the member `spec.id` has the given weight and labels (an
   * omitted weight is 1, an omitted label is none). Raising a weight only adds
   * tokens and lowering it only removes some, so the data that moves is
   * proportional to the change. Throws `unknown-node` if it is not a member.
   */
  updateNode(spec: NodeSpec): HashRing {
    const core = this.#core;
    const at = this.#indexOf(spec?.id);
    const valid = validateSpec(spec, core.vnodes);
    checkGrowth(core.members.length, core.owner.length - (core.members[at] as Member).hi.length + valid.count);
    return wrapCore(addMember(removeMember(core, at), toMember(valid)));
  }

  /** True when `id` is a member. */
  hasNode(id: string): boolean {
    return this.#core.indexOf.has(id);
  }

  /** The member `id`, or `undefined` when it is not one. */
  node(id: string): RingNode | undefined {
    const at = this.#core.indexOf.get(id);
    return at === undefined ? undefined : toRingNode(this.#core.members[at] as Member);
  }

  /** Every member, sorted by id. */
  nodes(): RingNode[] {
    return this.#core.members.map(toRingNode);
  }

  /** The positions of the node's tokens, ascending. Throws `unknown-node`. */
  tokens(id: string): RingPosition[] {
    const member = this.#core.members[this.#indexOf(id)] as Member;
    return Array.from(member.hi, (hi, i) => wordsToPosition(hi, member.lo[i] as number));
  }

  /**
   * The preference list of `key`: the nodes that hold its replicas, found
   * walking clockwise from the key's position. `replication` is a count n
   * (the whole ring is one DC) or a replication map `{ dc1: 3, dc2: 2 }` (each
   * named DC's count, from that DC's nodes only). The first entry is the key's
   * primary.
   *
   * Never two nodes on one machine. In each DC (the ring, for a count), the
   * picks cover distinct racks first (clockwise), then fill the rest with
   * nodes on further machines (clockwise). A DC with fewer machines than its
   * count contributes all its machines: the list is shorter, an answer, not an
   * error (`[]` for an empty ring). Throws `invalid-argument` for a count not
   * in [1, replicasMax] or a malformed map.
   */
  preferenceList(key: string | Uint8Array, replication: Replication): string[] {
    const valid = checkReplication(replication);
    hashKeyWords(key, words);
    return this.#listAt(words[0] as number, words[1] as number, valid);
  }

  /** `preferenceList` for a position already computed with `hashKey`. */
  preferenceListAt(position: RingPosition, replication: Replication): string[] {
    const valid = checkReplication(replication);
    positionToWords(position, words);
    return this.#listAt(words[0] as number, words[1] as number, valid);
  }

  /**
   * `preferenceList` for the 8-byte position at `bytes[offset]` (as written by
   * `positionToBytes` or `hashKeyInto`, e.g. inside a stored data key): the
   * position-only path with no bigint. Throws `invalid-argument` for fewer than
   * 8 bytes or a bad n.
   */
  preferenceListAtBytes(bytes: Uint8Array, offset: number, replication: Replication): string[] {
    const valid = checkReplication(replication);
    positionBytesToWords(bytes, offset, words);
    return this.#listAt(words[0] as number, words[1] as number, valid);
  }

  /**
   * The nodes a sloppy quorum uses for `key` when the nodes in `down` are
   * unavailable: one entry per place of the true preference list, in its order.
   * A healthy primary is `{ node }`.
   * A down primary is replaced by a stand-in
   * under the preference list's own rules: the next healthy node clockwise in
   * the same DC (for a map), on a machine that holds no primary of the key and
   * no other stand-in, racks not yet covered by the healthy primaries first;
   * as `{ node, hintFor: primary }`.
   *
   * When a DC has too few such machines, its down primaries left without a
   * stand-in are the last ones of that DC in preference order and get no
   * entry: the list is shorter and nothing is invented; the caller decides
   * whether that meets W. Ids in `down` that are not members are ignored.
   * Throws `invalid-argument` for a bad replication or a `down` that is not a Set.
   */
  sloppyPreferenceList(key: string | Uint8Array, replication: Replication, down: ReadonlySet<string>): SloppyEntry[] {
    const valid = checkReplication(replication);
    hashKeyWords(key, words);
    return this.#sloppyAt(words[0] as number, words[1] as number, valid, down);
  }

  /** `sloppyPreferenceList` for a position already computed with `hashKey`. */
  sloppyPreferenceListAt(position: RingPosition, replication: Replication, down: ReadonlySet<string>): SloppyEntry[] {
    const valid = checkReplication(replication);
    positionToWords(position, words);
    return this.#sloppyAt(words[0] as number, words[1] as number, valid, down);
  }

  /**
   * The ranges the node replicates with n replicas per key, in ring order,
   * each with its place: `replica` 0 where it is the primary, k where it is the
   * k-th node after the primary. Adjacent ranges of the same place are merged.
   * The first range may wrap through 0. Throws `unknown-node`, or
   * `invalid-argument` for a bad n. Cost: O(tokens · n) on first use per n.
   */
  ranges(nodeId: string, replication: Replication = replicasDefault): NodeRange[] {
    const valid = checkReplication(replication);
    return nodeRanges(this.#core, this.#indexOf(nodeId), valid);
  }

  /**
   * Each member's share of the ring with n replicas per key: the fraction of
   * positions where it is the primary and where it is any replica. For status
   * pages and balance checks. Throws `invalid-argument` for a bad n.
   */
  ownership(replication: Replication = replicasDefault): Map<string, Ownership> {
    const valid = checkReplication(replication);
    const shares = memberShares(this.#core, valid);
    return new Map(this.#core.members.map((m, i) => [m.id, shares[i] as Ownership]));
  }

  #indexOf(id: string): number {
    const at = this.#core.indexOf.get(id);
    if (at === undefined) throw new HashRingError('unknown-node', `node ${JSON.stringify(id)} is not a member`);
    return at;
  }

  #listAt(hi: number, lo: number, valid: ValidReplication): string[] {
    const core = this.#core;
    if (core.owner.length === 0) return [];
    beginWalk(core, valid.entries.length > 0);
    setNeeds(slotNeeds(core, valid));
    const count = collect(core, successor(core, hi, lo));
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = (core.members[picks[i] as number] as Member).id;
    return out;
  }

  #sloppyAt(hi: number, lo: number, valid: ValidReplication, down: ReadonlySet<string>): SloppyEntry[] {
    if (typeof down?.has !== 'function' || typeof down.size !== 'number') {
      throw new HashRingError('invalid-argument', 'down must be a Set of node ids');
    }
    const core = this.#core;
    if (core.owner.length === 0) return [];
    const start = successor(core, hi, lo);
    const byDc = valid.entries.length > 0;
    beginWalk(core, byDc);
    setNeeds(slotNeeds(core, valid));
    const primaries = Array.from(picks.subarray(0, collect(core, start)));
    const isDown = primaries.map((p) => down.size > 0 && down.has((core.members[p] as Member).id));
    if (!isDown.includes(true)) return primaries.map((p) => ({ node: (core.members[p] as Member).id }));
    // Stand-ins: per slot as many as it has down primaries, on machines holding no primary.
    beginWalk(core, byDc);
    const wanted = new Map<number, number>();
    primaries.forEach((p, i) => {
      markNode(p);
      markMachine(core, p);
      if (!isDown[i]) markRack(core, p);
      else wanted.set(slotOf(core, p), (wanted.get(slotOf(core, p)) ?? 0) + 1);
    });
    for (const [slot, count] of wanted) setNeed(slot, count);
    for (const id of down) {
      const at = core.indexOf.get(id);
      if (at !== undefined) markNode(at);
    }
    const standIns = Array.from(picks.subarray(0, collect(core, start)), (p) => p as number);
    const out: SloppyEntry[] = [];
    primaries.forEach((p, i) => {
      const id = (core.members[p] as Member).id;
      if (!isDown[i]) return void out.push({ node: id });
      // The first unused stand-in of the primary's slot, in pick order, stands in for it.
      const slot = slotOf(core, p);
      const at = standIns.findIndex((s) => s >= 0 && slotOf(core, s) === slot);
      if (at < 0) return;
      out.push({ node: (core.members[standIns[at] as number] as Member).id, hintFor: id });
      standIns[at] = -1;
    });
    return out;
  }
}

/**
 * What must move when the cluster goes from `before` to `after`: exactly the
 * ranges whose replica set (with n replicas) differs, in ring order, each with
 * the replica lists of both rings and the nodes that gain or lose it. A range
 * where only the order of the same replicas changed is not listed (no data
 * moves). Either ring may be empty. Throws `invalid-argument` for a bad n or
 * an argument that is not a `HashRing` of this copy of the package.
 *
 * Use it on every membership change: nodes in `gained` stream the range from
 * nodes of `before` before serving it; nodes in `lost` drop it afterwards.
 */
export function ringDiff(before: HashRing, after: HashRing, replication: Replication): RangeChange[] {
  if (!(before instanceof HashRing) || !(after instanceof HashRing)) {
    throw new HashRingError('invalid-argument', 'ringDiff compares two HashRing instances');
  }
  return diffCores(coreOf(before), coreOf(after), checkReplication(replication));
}

function checkGrowth(members: number, tokens: number): void {
  if (members > nodesMax) throw new HashRingError('limit-exceeded', `a ring holds at most ${nodesMax} nodes`);
  if (tokens > tokensMax) throw new HashRingError('limit-exceeded', `a ring holds at most ${tokensMax} tokens, this one would hold ${tokens}`);
}

interface ValidSpec {
  readonly id: string;
  readonly weight: number;
  readonly labels: MemberLabels;
  /** Tokens the node will hold: round(weight × vnodes), at least 1. */
  readonly count: number;
}

/** Checks a node spec without hashing anything, so limits are enforced before any work. */
function validateSpec(spec: string | NodeSpec, vnodes: number): ValidSpec {
  const { id, weight = 1, zone, dc, rack, machine } = typeof spec === 'string' ? ({ id: spec } as NodeSpec) : (spec ?? ({} as NodeSpec));
  if (typeof id !== 'string' || id.length === 0 || id.length > nodeIdLengthMax) {
    throw new HashRingError('invalid-argument', `a node id is a string of 1 to ${nodeIdLengthMax} characters, got ${JSON.stringify(id)}`);
  }
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > weightMax) {
    throw new HashRingError('invalid-argument', `node ${JSON.stringify(id)}: weight must be a number in (0, ${weightMax}], got ${weight}`);
  }
  checkLabel(id, 'dc', dc, dcLengthMax);
  checkLabel(id, 'rack', rack, zoneLengthMax);
  checkLabel(id, 'zone', zone, zoneLengthMax);
  checkLabel(id, 'machine', machine, machineLengthMax);
  if (rack !== undefined && zone !== undefined && rack !== zone) {
    throw new HashRingError('invalid-argument', `node ${JSON.stringify(id)}: zone is an alias of rack, and they differ (${JSON.stringify(zone)}, ${JSON.stringify(rack)})`);
  }
  return { id, weight, labels: { dc, rack: rack ?? zone, machine }, count: Math.max(1, Math.round(weight * vnodes)) };
}

function checkLabel(id: string, name: string, value: unknown, max: number): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > max)) {
    throw new HashRingError('invalid-argument', `node ${JSON.stringify(id)}: a ${name} is a string of 1 to ${max} characters`);
  }
}

function toMember(spec: ValidSpec): Member {
  return makeMember(spec.id, spec.weight, spec.labels, spec.count);
}

function toRingNode(member: Member): RingNode {
  return { id: member.id, weight: member.weight, dc: member.dc, rack: member.rack, machine: member.machine, zone: member.rack, tokens: member.hi.length };
}

