/**
 * The Merkle trees of one node: one @ringkv/merkle tree per *replica set*
 * (the sorted ids of a preference list holding this node), over every key of
 * the ranges that replica set replicates.
 *
 * Why per replica set rather than per vnode range: with 256 vnodes a range is
 * 1/768 of the ring or less, so a per-range tree of 2^10 buckets would use one
 * or two buckets (merkle README) and a node would hold thousands of trees.
 * All ranges with the same replica set are replicated by exactly the same
 * nodes, so their union is what two of those nodes must agree on: one tree
 * over the union uses all its buckets, and the number of trees is the number
 * of distinct replica sets (one for 3 nodes and N = 3; at most 3·vnodes).
 * A write still updates one tree in O(depth), and a rebuild is one scan of
 * the `d` prefix (or, for one bucket, a scan of its position range).
 *
 * Invariants:
 *   1. A tree's name (`group`) is the comma-joined sorted ids of the
 *      preference list of its keys under the current ring; keys whose list
 *      does not hold this node are in no tree (they are being handed off).
 *   2. Every committed write of a data key updates its tree with
 *      (versionDigest(old encoding), versionDigest(new encoding)), so a tree
 *      always equals the tree rebuilt from a scan (tested).
 *   3. A ring change marks every tree stale; the next use rebuilds them all
 *      from one scan (writes while stale are not applied: the scan sees them).
 */
import type { HashRing } from '@ringkv/hashring';
import { bucketRange, MerkleTree, versionDigest } from '@ringkv/merkle';
import type { StorageEngine } from '../store/engine-port.js';
import { dataPrefix } from '../store/keys.js';

/** What the trees need from the node. */
export interface TreesOptions {
  readonly selfId: string;
  readonly n: number;
  readonly ring: () => HashRing;
  readonly engine: Pick<StorageEngine, 'iterate'>;
  readonly bucketsLog2: number;
}

const dataStart = Uint8Array.of(dataPrefix);
const dataEnd = Uint8Array.of(dataPrefix + 1);

/** The storage key bounds of a bucket: `d ‖ start` … `d ‖ next` (to the end of `d` for the last bucket). */
export function bucketBounds(bucket: number, bucketsLog2: number): { gte: Uint8Array; lt: Uint8Array } {
  const r = bucketRange(bucket, bucketsLog2);
  const gte = new Uint8Array(9);
  gte[0] = dataPrefix;
  gte.set(r.start, 1);
  if (r.next === undefined) return { gte, lt: dataEnd };
  const lt = new Uint8Array(9);
  lt[0] = dataPrefix;
  lt.set(r.next, 1);
  return { gte, lt };
}

/** The trees of a node (module comment). */
export class ReplicaTrees {
  private trees = new Map<string, MerkleTree>();
  private stale = true;
  private readonly empty: MerkleTree;
  /** Full rebuilds done (start, ring changes). */
  rebuilds = 0;

  constructor(private readonly o: TreesOptions) {
    this.empty = new MerkleTree({ bucketsLog2: o.bucketsLog2 });
  }

  get bucketsLog2(): number {
    return this.o.bucketsLog2;
  }

  /** The group of a data storage key, or undefined when this node does not replicate it. */
  groupOf(skey: Uint8Array): string | undefined {
    const list = this.o.ring().preferenceListAtBytes(skey, 1, this.o.n);
    return list.includes(this.o.selfId) ? [...list].sort().join(',') : undefined;
  }

  /** The write hook (invariant 2): a data key went from `old` to `next` encodings (undefined: absent). */
  observe(skey: Uint8Array, old: Uint8Array | undefined, next: Uint8Array | undefined): void {
    if (this.stale || skey[0] !== dataPrefix || skey.length < 9) return;
    const group = this.groupOf(skey);
    if (group === undefined) return;
    this.treeFor(group).apply(skey.subarray(1, 9), skey.subarray(9), old && versionDigest(old), next && versionDigest(next));
  }

  /** Marks every tree stale (a ring change moved keys between groups). */
  invalidate(): void {
    this.stale = true;
  }

  /** The tree of `group` (an empty one when this node holds no key of it); rebuilds first when stale. */
  tree(group: string): MerkleTree {
    this.fresh();
    return this.trees.get(group) ?? this.empty;
  }

  /** Every group this node replicates under the current ring (from its ranges, so a wiped node still knows them). */
  groups(): string[] {
    const ring = this.o.ring();
    if (!ring.hasNode(this.o.selfId)) return [];
    const out = new Set<string>();
    for (const range of ring.ranges(this.o.selfId, this.o.n)) out.add([...ring.preferenceListAt(range.end, this.o.n)].sort().join(','));
    this.fresh();
    for (const g of this.trees.keys()) out.add(g);
    return [...out].sort();
  }

  /** Rebuilds every tree from one scan of the data prefix. */
  rebuild(): void {
    this.trees = new Map();
    this.stale = false;
    for (const [skey, value] of this.o.engine.iterate({ gte: dataStart, lt: dataEnd })) this.observe(skey, undefined, value);
    this.rebuilds++;
  }

  /** Calls `visit` with each stored (storage key, set bytes) of `group` in `bucket`, ascending, after `after`. */
  *scanBucket(group: string, bucket: number, after?: Uint8Array): Iterable<[Uint8Array, Uint8Array]> {
    const bounds = bucketBounds(bucket, this.o.bucketsLog2);
    const scan = after !== undefined && compare(after, bounds.gte) >= 0 ? { gt: after, lt: bounds.lt } : bounds;
    for (const entry of this.o.engine.iterate(scan)) if (this.groupOf(entry[0]) === group) yield entry;
  }

  private fresh(): void {
    if (this.stale) this.rebuild();
  }

  private treeFor(group: string): MerkleTree {
    let tree = this.trees.get(group);
    if (tree === undefined) this.trees.set(group, (tree = new MerkleTree({ bucketsLog2: this.o.bucketsLog2 })));
    return tree;
  }
}

/** Byte order of two storage keys. */
export function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length));
}
