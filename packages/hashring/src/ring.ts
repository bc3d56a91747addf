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
 *   1. A ring is a pure function of (vnodes, set of {id, weight, zone}): the
 *      order of joins and leaves that produced it is unobservable.
 *   2. `preferenceList(key, n)` returns min(n, size) distinct physical nodes,
 *      starting with the owner of the first token at or after the key's
 *      position and continuing clockwise; with zones it covers min(n, zones)
 *      zones before repeating one (see walk.ts).
 *   3. Lookups are O(log tokens) (binary search over sorted typed arrays) plus
 *      a walk that skips already-chosen physical nodes.
 */
import { addMember, buildCore, makeMember, removeMember, successor, type Member, type RingCore } from './core.js';
import { HashRingError } from './errors.js';
import { nodeIdLengthMax, nodesMax, replicasDefault, replicasMax, tokensMax, vnodesDefault, vnodesMax, weightMax, zoneLengthMax } from './limits.js';
import { hashKeyWords, positionBytesToWords, positionToWords, wordsToPosition, type RingPosition } from './position.js';
import { diffCores, memberShares, nodeRanges, type NodeRange, type Ownership, type RangeChange } from './ranges.js';
import { beginWalk, collect, markNode, markZone, picks } from './walk.js';

/** Options of a new, empty ring. */
export interface HashRingOptions {
  /** Tokens per unit of weight; an integer in [1, vnodesMax]. Default `vnodesDefault` (256). */
  readonly vnodes?: number;
}

/** A node to add: its id, and optionally its weight (default 1) and zone (default: none). */
export interface NodeSpec {
  readonly id: string;
  /** Capacity relative to a weight-1 node; the node gets round(weight × vnodes) ≥ 1 tokens. */
  readonly weight?: number;
  /** Failure domain (data center, rack); replicas prefer distinct zones. */
  readonly zone?: string;
}

/** A member as the ring sees it. */
export interface RingNode {
  readonly id: string;
  readonly weight: number;
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
   * no zone. Throws `duplicate-node` if the id is a member, `invalid-argument`
   * for a bad id, weight or zone, `limit-exceeded` past nodesMax or tokensMax.
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
   * A new ring where the member `spec.id` has the given weight and zone (an
   * omitted weight is 1, an omitted zone is none). Raising a weight only adds
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
   * The preference list of `key`: the first n distinct physical nodes clockwise
   * from the key's position, preferring distinct zones when the ring has more
   * than one. The first is the key's primary (its coordinator by default).
   *
   * Returns min(n, size) ids (so `[]` for an empty ring): fewer than n is an
   * answer, not an error. With zones, the nodes of distinct zones come first in
   * clockwise order, then same-zone nodes fill the rest, clockwise. Throws
   * `invalid-argument` when n is not an integer in [1, replicasMax].
   */
  preferenceList(key: string | Uint8Array, n: number): string[] {
    checkReplicas(n);
    hashKeyWords(key, words);
    return this.#listAt(words[0] as number, words[1] as number, n);
  }

  /** `preferenceList` for a position already computed with `hashKey`. */
  preferenceListAt(position: RingPosition, n: number): string[] {
    checkReplicas(n);
    positionToWords(position, words);
    return this.#listAt(words[0] as number, words[1] as number, n);
  }

  /**
   * `preferenceList` for the 8-byte position at `bytes[offset]` (as written by
   * `positionToBytes` or `hashKeyInto`, e.g. inside a stored data key): the
   * position-only path with no bigint. Throws `invalid-argument` for fewer than
   * 8 bytes or a bad n.
   */
  preferenceListAtBytes(bytes: Uint8Array, offset: number, n: number): string[] {
    checkReplicas(n);
    positionBytesToWords(bytes, offset, words);
    return this.#listAt(words[0] as number, words[1] as number, n);
  }

  /**
   * The nodes a sloppy quorum uses for `key` when the nodes in `down` are
   * unavailable: one entry per place of the true preference list, in its order.
   * A healthy primary is `{ node }`; a down primary is replaced by the next
   * healthy node clockwise that is not in the preference list (preferring zones
   * not yet used), as `{ node, hintFor: primary }`.
   *
   * When fewer than n healthy nodes exist, the list is shorter: its length is
   * min(n, healthy members), the down primaries left without a stand-in are
   * the last ones in preference order, and nothing is invented; the caller
   * decides whether that meets W. Ids in `down` that are not members are
   * ignored. Throws `invalid-argument` for a bad n or a `down` that is not a Set.
   */
  sloppyPreferenceList(key: string | Uint8Array, n: number, down: ReadonlySet<string>): SloppyEntry[] {
    checkReplicas(n);
    hashKeyWords(key, words);
    return this.#sloppyAt(words[0] as number, words[1] as number, n, down);
  }

  /** `sloppyPreferenceList` for a position already computed with `hashKey`. */
  sloppyPreferenceListAt(position: RingPosition, n: number, down: ReadonlySet<string>): SloppyEntry[] {
    checkReplicas(n);
    positionToWords(position, words);
    return this.#sloppyAt(words[0] as number, words[1] as number, n, down);
  }

  /**
   * The ranges the node replicates with n replicas per key, in ring order,
   * each with its place: `replica` 0 where it is the primary, k where it is the
   * k-th node after the primary. Adjacent ranges of the same place are merged.
   * The first range may wrap through 0. Throws `unknown-node`, or
   * `invalid-argument` for a bad n. Cost: O(tokens · n) on first use per n.
   */
  ranges(nodeId: string, n: number = replicasDefault): NodeRange[] {
    checkReplicas(n);
    return nodeRanges(this.#core, this.#indexOf(nodeId), n);
  }

  /**
   * Each member's share of the ring with n replicas per key: the fraction of
   * positions where it is the primary and where it is any replica. For status
   * pages and balance checks. Throws `invalid-argument` for a bad n.
   */
  ownership(n: number = replicasDefault): Map<string, Ownership> {
    checkReplicas(n);
    const shares = memberShares(this.#core, n);
    return new Map(this.#core.members.map((m, i) => [m.id, shares[i] as Ownership]));
  }

  #indexOf(id: string): number {
    const at = this.#core.indexOf.get(id);
    if (at === undefined) throw new HashRingError('unknown-node', `node ${JSON.stringify(id)} is not a member`);
    return at;
  }

  #listAt(hi: number, lo: number, n: number): string[] {
    const core = this.#core;
    if (core.owner.length === 0) return [];
    beginWalk();
    const count = collect(core, successor(core, hi, lo), n);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = (core.members[picks[i] as number] as Member).id;
    return out;
  }

  #sloppyAt(hi: number, lo: number, n: number, down: ReadonlySet<string>): SloppyEntry[] {
    if (typeof down?.has !== 'function' || typeof down.size !== 'number') {
      throw new HashRingError('invalid-argument', 'down must be a Set of node ids');
    }
    const core = this.#core;
    if (core.owner.length === 0) return [];
    const start = successor(core, hi, lo);
    beginWalk();
    const primaries = Array.from(picks.subarray(0, collect(core, start, n)));
    if (down.size === 0) return primaries.map((p) => ({ node: (core.members[p] as Member).id }));
    const isDown = primaries.map((p) => down.has((core.members[p] as Member).id));
    beginWalk();
    primaries.forEach((p, i) => {
      markNode(p);
      if (!isDown[i]) markZone(core.zoneOf[p] as number);
    });
    for (const id of down) {
      const at = core.indexOf.get(id);
      if (at !== undefined) markNode(at);
    }
    const standIns = collect(core, start, isDown.filter(Boolean).length);
    const out: SloppyEntry[] = [];
    let next = 0;
    primaries.forEach((p, i) => {
      const id = (core.members[p] as Member).id;
      if (!isDown[i]) out.push({ node: id });
      else if (next < standIns) out.push({ node: (core.members[picks[next++] as number] as Member).id, hintFor: id });
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
export function ringDiff(before: HashRing, after: HashRing, n: number): RangeChange[] {
  if (!(before instanceof HashRing) || !(after instanceof HashRing)) {
    throw new HashRingError('invalid-argument', 'ringDiff compares two HashRing instances');
  }
  checkReplicas(n);
  return diffCores(coreOf(before), coreOf(after), n);
}

function checkReplicas(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > replicasMax) {
    throw new HashRingError('invalid-argument', `n must be an integer in [1, ${replicasMax}], got ${n}`);
  }
}

function checkGrowth(members: number, tokens: number): void {
  if (members > nodesMax) throw new HashRingError('limit-exceeded', `a ring holds at most ${nodesMax} nodes`);
  if (tokens > tokensMax) throw new HashRingError('limit-exceeded', `a ring holds at most ${tokensMax} tokens, this one would hold ${tokens}`);
}

interface ValidSpec {
  readonly id: string;
  readonly weight: number;
  readonly zone: string | undefined;
  /** Tokens the node will hold: round(weight × vnodes), at least 1. */
  readonly count: number;
}

/** Checks a node spec without hashing anything, so limits are enforced before any work. */
function validateSpec(spec: string | NodeSpec, vnodes: number): ValidSpec {
  const { id, weight = 1, zone } = typeof spec === 'string' ? { id: spec } : (spec ?? ({} as NodeSpec));
  if (typeof id !== 'string' || id.length === 0 || id.length > nodeIdLengthMax) {
    throw new HashRingError('invalid-argument', `a node id is a string of 1 to ${nodeIdLengthMax} characters, got ${JSON.stringify(id)}`);
  }
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > weightMax) {
    throw new HashRingError('invalid-argument', `node ${JSON.stringify(id)}: weight must be a number in (0, ${weightMax}], got ${weight}`);
  }
  if (zone !== undefined && (typeof zone !== 'string' || zone.length === 0 || zone.length > zoneLengthMax)) {
    throw new HashRingError('invalid-argument', `node ${JSON.stringify(id)}: a zone is a string of 1 to ${zoneLengthMax} characters`);
  }
  return { id, weight, zone, count: Math.max(1, Math.round(weight * vnodes)) };
}

function toMember(spec: ValidSpec): Member {
  return makeMember(spec.id, spec.weight, spec.zone, spec.count);
}

function toRingNode(member: Member): RingNode {
  return { id: member.id, weight: member.weight, zone: member.zone, tokens: member.hi.length };
}

