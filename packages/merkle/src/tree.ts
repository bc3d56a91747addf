/**
 * An incremental Merkle tree over the 2^b buckets of the 64-bit ring.
 *
 * Each leaf summarizes the (key, version digest) pairs whose ring position falls
 * in its bucket as (count, sum mod 2^64 of the pairs' item hashes). A sum is a
 * commutative group operation, so:
 *   - insertion order never matters (a + b = b + a),
 *   - a removal or an update is a subtraction (and an addition), O(1) at the leaf
 *     with no rescan of the bucket,
 *   - a pair applied twice is visible (2h ≠ 0), where an XOR would cancel it and
 *     silently make "inserted twice" look like "never inserted"; the count makes
 *     the same mistake visible in the leaf hash too.
 * Inner nodes hash their two children. Hashes above a changed leaf are brought
 * up to date lazily: a change marks its leaf and the ancestors not yet marked
 * stale (O(1) amortized; it stops at the first stale ancestor), and the first
 * read of any hash rehashes each stale node once, bottom-up. A write-heavy node
 * updates its trees on every write but reads them only when an exchange runs,
 * so a burst of k writes costs k leaf updates plus one rehash of the union of
 * their paths, instead of k × depth inner hashes (with 2^16 buckets that was
 * 16 hashes per write, a fifth of the anti-entropy hook's cost per put).
 *
 * Invariants:
 *   1. Every node hash, when read, equals the hash computed from scratch from the multiset of
 *      pairs applied: leaves from (count, sum), inner nodes from their children.
 *      Hence the root depends only on that multiset, never on the order.
 *   2. `size` is the sum of the bucket counts; no count is negative.
 *   3. Trees of the same `bucketsLog2` holding the same pairs have identical
 *      node hashes at every depth and index, on every platform.
 *   4. A call that throws leaves the tree unchanged.
 *   5. A node marked stale has every ancestor marked stale; every node whose
 *      stored hash differs from the one its children or summary give is
 *      marked. `settle()` (run by every reader of hashes) clears all marks.
 *
 * Concurrency: single-threaded, synchronous. A tree does not know about time;
 * when an exchange with a peer spans several turns of the event loop while writes
 * keep arriving, run it against a `clone()` so every level comes from one state.
 */
import { decodeTree, encodeTree } from './codec.js';
import { MerkleError } from './errors.js';
import { bucketItemsMax, bucketsLog2Default } from './limits.js';
import { checkDigest, encodeKey, hashInner, hashItem, hashLeaf, type MerkleKey } from './node-hash.js';
import { bucketOfUnchecked, bucketRange, checkBucketsLog2, type BucketRange } from './position.js';

/** Options of `new MerkleTree(...)`. */
export interface MerkleTreeOptions {
  /** log2 of the bucket count; default `bucketsLog2Default` (10, so 1,024 buckets). */
  readonly bucketsLog2?: number;
}

/** Scratch for one item hash each (old and new digest) and one node hash; reused. */
const oldItem = new Uint32Array(2);
const newItem = new Uint32Array(2);
const nodeOut = new Uint32Array(2);

/**
 * An incremental Merkle tree over the buckets of the 64-bit ring.
 *
 * When to use: one tree per replicated range on each replica, updated on every
 * write with the key's ring position, the key, and a digest of its new version
 * (and of the version it replaced). Two replicas then compare trees level by
 * level (`nodes`, `compareNodes`, `diff`) and repair only the differing buckets.
 *
 * Details: leaves are at depth `bucketsLog2`, the root at depth 0; the nodes of
 * depth d are indexed 0 … 2^d - 1 left to right, and leaf k is bucket k. Hashes
 * are 64 bits: `bigint` from `root()`/`node()`, 8 big-endian bytes each from
 * `level()`/`nodes()`.
 *
 * Gotchas: the tree cannot tell which pairs it holds, only their sum. Removing
 * or updating from a digest that was never inserted corrupts that bucket's
 * summary without an error (unless the bucket is empty); the next comparison
 * shows the bucket as differing, and `resetBucket` plus re-inserting the bucket's
 * pairs from a scan repairs it. Keep the digest you inserted to remove it later.
 */
export class MerkleTree {
  /** log2 of the bucket count, which is also the depth of the leaves. */
  readonly bucketsLog2: number;
  /** Number of buckets (leaves): 2^bucketsLog2. */
  readonly bucketCount: number;
  private readonly nodeHashes: Uint32Array;
  private readonly counts: Uint32Array;
  private readonly sums: Uint32Array;
  private items = 0;
  /** 1 where the stored node hash is stale (invariant 5), by heap index. */
  private readonly staleMarks: Uint8Array;
  /** Heap indices of the stale leaves, in marking order. */
  private staleLeaves: number[] = [];

  /** An empty tree. Throws `invalid-argument` if `bucketsLog2` is outside its limits. */
  constructor(options: MerkleTreeOptions = {}) {
    const bucketsLog2 = options.bucketsLog2 ?? bucketsLog2Default;
    checkBucketsLog2(bucketsLog2);
    this.bucketsLog2 = bucketsLog2;
    this.bucketCount = 2 ** bucketsLog2;
    this.nodeHashes = new Uint32Array(4 * this.bucketCount);
    this.counts = new Uint32Array(this.bucketCount);
    this.sums = new Uint32Array(2 * this.bucketCount);
    this.staleMarks = new Uint8Array(2 * this.bucketCount);
    this.fillEmpty();
  }

  /** Number of (key, digest) pairs the tree summarizes. */
  get size(): number {
    return this.items;
  }

  /** The bucket of `position` (8 big-endian bytes) in this tree. */
  bucketOf(position: Uint8Array): number {
    return bucketOfUnchecked(position, this.bucketsLog2);
  }

  /** The positions bucket `bucket` covers; see the function `bucketRange`. */
  bucketRange(bucket: number): BucketRange {
    return bucketRange(bucket, this.bucketsLog2);
  }

  /** Number of pairs in bucket `bucket`. */
  bucketSize(bucket: number): number {
    this.checkIndex(this.bucketsLog2, bucket);
    return this.counts[bucket]!;
  }

  /**
   * Adds the pair (key, digest) at `position`. O(depth).
   *
   * Use when a key is written for the first time (or after it was removed).
   * Inserting a pair already present counts it twice; use `update` to replace a
   * version. `bucket-full` if the bucket holds `bucketItemsMax` pairs.
   */
  insert(position: Uint8Array, key: MerkleKey, digest: Uint8Array): void {
    this.apply(position, key, undefined, digest);
  }

  /**
   * Replaces the pair (key, oldDigest) with (key, newDigest) at `position`.
   * O(depth), one path rehash. `oldDigest` must be the digest inserted before.
   */
  update(position: Uint8Array, key: MerkleKey, oldDigest: Uint8Array, newDigest: Uint8Array): void {
    this.apply(position, key, oldDigest, newDigest);
  }

  /**
   * Removes the pair (key, digest) at `position`. O(depth).
   *
   * `digest` must be the one inserted; see the class gotcha. `bucket-empty` if
   * the bucket holds no pair at all.
   */
  remove(position: Uint8Array, key: MerkleKey, digest: Uint8Array): void {
    this.apply(position, key, digest, undefined);
  }

  /**
   * The general form of insert/update/remove: the key at `position` goes from
   * version `oldDigest` (undefined: absent) to `newDigest` (undefined: absent).
   *
   * Use from a write path that knows the previous and the new version digest,
   * whichever exist. Both undefined is a no-op. Everything is validated before
   * the tree changes; O(depth).
   */
  apply(
    position: Uint8Array,
    key: MerkleKey,
    oldDigest: Uint8Array | undefined,
    newDigest: Uint8Array | undefined,
  ): void {
    const bucket = this.bucketOf(position);
    if (oldDigest !== undefined) checkDigest(oldDigest);
    if (newDigest !== undefined) checkDigest(newDigest);
    const keyLength = encodeKey(key);
    if (oldDigest === undefined && newDigest === undefined) return;
    this.checkCapacity(bucket, oldDigest !== undefined, newDigest !== undefined);
    if (oldDigest !== undefined) {
      hashItem(keyLength, oldDigest, oldItem);
      this.addToSum(bucket, -1, oldItem);
    }
    if (newDigest !== undefined) {
      hashItem(keyLength, newDigest, newItem);
      this.addToSum(bucket, 1, newItem);
    }
    this.markPath(bucket);
  }

  /**
   * Empties bucket `bucket` (count and sum to zero). O(depth).
   *
   * Use to rebuild one bucket from a scan of the store (`bucketRange`) after a
   * repair or after a mistaken removal: reset, then insert every pair again.
   */
  resetBucket(bucket: number): void {
    this.checkIndex(this.bucketsLog2, bucket);
    this.items -= this.counts[bucket]!;
    this.counts[bucket] = 0;
    this.sums[2 * bucket] = 0;
    this.sums[2 * bucket + 1] = 0;
    this.markPath(bucket);
  }

  /** The root hash. Equal roots mean equal content (up to 64-bit collisions). */
  root(): bigint {
    return this.node(0, 0);
  }

  /** The hash of node `index` at `depth` (leaves: depth `bucketsLog2`, index = bucket). */
  node(depth: number, index: number): bigint {
    this.checkIndex(depth, index);
    this.settle();
    const i = 2 * (2 ** depth + index);
    return (BigInt(this.nodeHashes[i]!) << 32n) | BigInt(this.nodeHashes[i + 1]!);
  }

  /**
   * All 2^depth hashes of one level, 8 big-endian bytes each, left to right, in
   * a new array the caller owns.
   */
  level(depth: number): Uint8Array {
    this.checkDepth(depth);
    this.settle();
    const first = 2 ** depth;
    const bytes = new Uint8Array(8 * first);
    const view = new DataView(bytes.buffer);
    for (let j = 0; j < first; j++) this.writeNode(view, 8 * j, first + j);
    return bytes;
  }

  /**
   * The hashes of the given nodes of one level, 8 big-endian bytes each, in the
   * order of `indices`, in a new array the caller owns.
   *
   * Use to answer a peer's request during an exchange. The indices may come
   * from the network: each must be an integer in [0, 2^depth), else
   * `invalid-argument` (turn it into a wire error). Repeated indices are allowed.
   */
  nodes(depth: number, indices: ArrayLike<number>): Uint8Array {
    this.checkDepth(depth);
    const first = 2 ** depth;
    for (let j = 0; j < indices.length; j++) this.checkIndex(depth, indices[j]!);
    this.settle();
    const bytes = new Uint8Array(8 * indices.length);
    const view = new DataView(bytes.buffer);
    for (let j = 0; j < indices.length; j++) this.writeNode(view, 8 * j, first + indices[j]!);
    return bytes;
  }

  /** True when `other` has the same shape and the same root hash. */
  equals(other: MerkleTree): boolean {
    return other.bucketsLog2 === this.bucketsLog2 && other.root() === this.root();
  }

  /** An independent copy: later changes to either do not affect the other. O(buckets). */
  clone(): MerkleTree {
    this.settle();
    const copy = new MerkleTree({ bucketsLog2: this.bucketsLog2 });
    copy.nodeHashes.set(this.nodeHashes);
    copy.counts.set(this.counts);
    copy.sums.set(this.sums);
    copy.items = this.items;
    return copy;
  }

  /**
   * The whole tree as bytes (layout in `codec.ts` and the README): node hashes
   * level by level from the root, then the leaf summaries. A new array.
   *
   * Use to ship or persist a working copy. For an exchange, send levels or
   * nodes instead: a prefix of this layout holds the top levels.
   */
  serialize(): Uint8Array {
    this.settle();
    return encodeTree({ bucketsLog2: this.bucketsLog2, nodes: this.nodeHashes, counts: this.counts, sums: this.sums });
  }

  /**
   * A tree from `serialize()` output, which may be untrusted: any structural
   * fault, and any node hash that disagrees with the summaries below it, is a
   * `malformed` MerkleError. O(buckets).
   */
  static deserialize(bytes: Uint8Array): MerkleTree {
    const parts = decodeTree(bytes);
    const tree = new MerkleTree({ bucketsLog2: parts.bucketsLog2 });
    tree.counts.set(parts.counts);
    tree.sums.set(parts.sums);
    tree.items = parts.counts.reduce((total, count) => total + count, 0);
    tree.rebuildAll();
    tree.verifyNodes(parts.nodes);
    return tree;
  }

  private checkCapacity(bucket: number, removing: boolean, adding: boolean): void {
    const count = this.counts[bucket]!;
    if (removing && count === 0) {
      throw new MerkleError('bucket-empty', `bucket ${bucket} holds no pair to remove or update`);
    }
    if (adding && !removing && count >= bucketItemsMax) {
      throw new MerkleError('bucket-full', `bucket ${bucket} already holds ${bucketItemsMax} pairs`);
    }
  }

  /** sum[bucket] += sign · item (mod 2^64), count += sign, size += sign. */
  private addToSum(bucket: number, sign: 1 | -1, item: Uint32Array): void {
    const hi = this.sums[2 * bucket]!;
    const lo = this.sums[2 * bucket + 1]!;
    const low = sign === 1 ? lo + item[1]! : lo - item[1]!;
    const carry = low > 0xffff_ffff ? 1 : low < 0 ? -1 : 0;
    this.sums[2 * bucket] = sign === 1 ? hi + item[0]! + carry : hi - item[0]! + carry;
    this.sums[2 * bucket + 1] = low;
    this.counts[bucket] = this.counts[bucket]! + sign;
    this.items += sign;
  }

  /** Marks leaf `bucket` and its unmarked ancestors stale (invariant 5): stops at the first marked one. */
  private markPath(bucket: number): void {
    const marks = this.staleMarks;
    let i = this.bucketCount + bucket;
    if (marks[i] === 1) return;
    marks[i] = 1;
    this.staleLeaves.push(i);
    for (i >>>= 1; i >= 1 && marks[i] === 0; i >>>= 1) marks[i] = 1;
  }

  /**
   * Rehashes every stale node once, level by level from the leaves, so each
   * inner node is hashed after both its children (every stale node of a level
   * is the parent of a stale node of the level below). O(stale nodes).
   */
  private settle(): void {
    if (this.staleLeaves.length === 0) return;
    const marks = this.staleMarks;
    let level = this.staleLeaves;
    this.staleLeaves = [];
    for (const i of level) {
      this.refreshLeaf(i);
      marks[i] = 0;
    }
    while (level.length > 0) {
      const parents: number[] = [];
      for (const i of level) {
        const p = i >>> 1;
        if (p >= 1 && marks[p] === 1) {
          marks[p] = 0;
          parents.push(p);
        }
      }
      for (const p of parents) this.refreshInner(p);
      level = parents;
    }
  }

  private refreshLeaf(i: number): void {
    const k = i - this.bucketCount;
    hashLeaf(this.counts[k]!, this.sums[2 * k]!, this.sums[2 * k + 1]!, nodeOut);
    this.nodeHashes[2 * i] = nodeOut[0]!;
    this.nodeHashes[2 * i + 1] = nodeOut[1]!;
  }

  private refreshInner(i: number): void {
    const h = this.nodeHashes;
    hashInner(h[4 * i]!, h[4 * i + 1]!, h[4 * i + 2]!, h[4 * i + 3]!, nodeOut);
    h[2 * i] = nodeOut[0]!;
    h[2 * i + 1] = nodeOut[1]!;
  }

  /** Sets every node of an empty tree: one hash per level, since a level's nodes are equal. */
  private fillEmpty(): void {
    hashLeaf(0, 0, 0, nodeOut);
    for (let depth = this.bucketsLog2; depth >= 0; depth--) {
      const first = 2 ** depth;
      for (let i = first; i < 2 * first; i++) {
        this.nodeHashes[2 * i] = nodeOut[0]!;
        this.nodeHashes[2 * i + 1] = nodeOut[1]!;
      }
      hashInner(nodeOut[0]!, nodeOut[1]!, nodeOut[0]!, nodeOut[1]!, nodeOut);
    }
  }

  /** Recomputes every node from the leaf summaries, bottom-up. O(buckets). */
  private rebuildAll(): void {
    for (let i = this.bucketCount; i < 2 * this.bucketCount; i++) this.refreshLeaf(i);
    for (let i = this.bucketCount - 1; i >= 1; i--) this.refreshInner(i);
  }

  /** Throws `malformed` at the shallowest node whose claimed hash differs from ours. */
  private verifyNodes(claimed: Uint32Array): void {
    for (let i = 1; i < 2 * this.bucketCount; i++) {
      if (claimed[2 * i] !== this.nodeHashes[2 * i] || claimed[2 * i + 1] !== this.nodeHashes[2 * i + 1]) {
        const depth = 31 - Math.clz32(i);
        throw new MerkleError(
          'malformed',
          `serialized tree: node ${i - 2 ** depth} at depth ${depth} does not match the data below it`,
        );
      }
    }
  }

  private writeNode(view: DataView, at: number, i: number): void {
    view.setUint32(at, this.nodeHashes[2 * i]!);
    view.setUint32(at + 4, this.nodeHashes[2 * i + 1]!);
  }

  private checkDepth(depth: number): void {
    if (!Number.isInteger(depth) || depth < 0 || depth > this.bucketsLog2) {
      throw new MerkleError(
        'invalid-argument',
        `depth must be an integer in [0, ${this.bucketsLog2}], got ${String(depth)}`,
      );
    }
  }

  private checkIndex(depth: number, index: number): void {
    this.checkDepth(depth);
    const width = 2 ** depth;
    if (!Number.isInteger(index) || index < 0 || index >= width) {
      throw new MerkleError(
        'invalid-argument',
        `index at depth ${depth} must be an integer in [0, ${width}), got ${String(index)}`,
      );
    }
  }
}
