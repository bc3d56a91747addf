/**
 * Comparing two trees level by level, locally (`diff`) or with a peer over the
 * network (`compareNodes`, one step per round trip).
 *
 * The exchange: the side that drives it starts at depth 0, index 0 (the root).
 * Each step it asks the peer for the hashes of `indices` at `depth` (the peer
 * answers with `tree.nodes(depth, indices)`), and `compareNodes` returns the
 * indices that differ and the nodes to ask for next: the descendants of the
 * differing nodes `stride` levels down. At the leaf depth the differing indices
 * are the buckets to repair. Equal subtrees are never descended into.
 *
 * Invariants:
 *   1. `diff(a, b).buckets` is exactly the set of buckets whose leaf hashes
 *      differ, ascending: a node differs whenever a leaf below it differs
 *      (up to 64-bit hash collisions), so pruning equal subtrees loses none.
 *   2. `nodesCompared` counts each pair of node hashes compared once: 1 for
 *      equal trees, 2d + 1 for one differing bucket at depth d with stride 1.
 *   3. `compareNodes` treats every index independently, so a caller may split
 *      `next.indices` across several requests (to fit a frame) in any order.
 */
import { MerkleError } from './errors.js';
import { strideLevelsMax } from './limits.js';
import type { MerkleTree } from './tree.js';

/** What the local `diff` found. */
export interface TreeDiff {
  /** Buckets whose contents differ, ascending. Empty when the trees are equal. */
  readonly buckets: number[];
  /** Pairs of node hashes compared, root included. */
  readonly nodesCompared: number;
}

/** The nodes to request from the peer in the next step of an exchange. */
export interface NodeRequest {
  readonly depth: number;
  readonly indices: number[];
}

/** The outcome of one step of an exchange. */
export interface CompareStep {
  /** The depth that was compared. */
  readonly depth: number;
  /** Indices at `depth` whose hashes differ, in the order given. */
  readonly differing: number[];
  /** Number of node hashes compared in this step (`indices.length`). */
  readonly nodesCompared: number;
  /** Differing buckets found by this step: `differing` when `depth` is the leaf depth, else empty. */
  readonly buckets: number[];
  /** What to ask the peer next, or `undefined` when the exchange is finished. */
  readonly next: NodeRequest | undefined;
}

/** Options of `compareNodes` and `diff`. */
export interface CompareOptions {
  /**
   * Levels to descend per step, 1 … `strideLevelsMax` (default 1). A larger
   * stride means fewer round trips and more hashes per request: each differing
   * node expands into 2^stride indices. The last step stops at the leaves.
   */
  readonly stride?: number;
}

/** The first request of every exchange: the root. */
export function firstRequest(): NodeRequest {
  return { depth: 0, indices: [0] };
}

/**
 * One step of an exchange with a peer: compares our hashes of `indices` at
 * `depth` with `theirHashes` (the peer's `nodes(depth, indices)` answer) and
 * says what to ask next.
 *
 * When to use: the node's anti-entropy loop, one call per answer received,
 * starting from `firstRequest()`, until `next` is undefined; collect `buckets`
 * from every step. Run it against a `clone()` if writes may land between steps.
 *
 * Errors: `theirHashes` comes from the network, so a length other than
 * 8 · indices.length is `malformed`; a bad depth, index or stride (our own
 * request) is `invalid-argument`.
 */
export function compareNodes(
  tree: MerkleTree,
  depth: number,
  indices: ArrayLike<number>,
  theirHashes: Uint8Array,
  options: CompareOptions = {},
): CompareStep {
  const stride = checkStride(options.stride);
  const ours = tree.nodes(depth, indices);
  if (!(theirHashes instanceof Uint8Array) || theirHashes.length !== ours.length) {
    throw new MerkleError(
      'malformed',
      `peer hashes: expected ${ours.length} bytes for ${indices.length} nodes, got ${describeLength(theirHashes)}`,
    );
  }
  const differing: number[] = [];
  for (let j = 0; j < indices.length; j++) {
    if (!sameHash(ours, theirHashes, 8 * j)) differing.push(indices[j]!);
  }
  const atLeaves = depth === tree.bucketsLog2;
  return {
    depth,
    differing,
    nodesCompared: indices.length,
    buckets: atLeaves ? differing.slice() : [],
    next: atLeaves || differing.length === 0 ? undefined : descendants(differing, depth, tree.bucketsLog2, stride),
  };
}

/**
 * The buckets in which two local trees differ, found by descending only into
 * differing subtrees, and how many node pairs that took.
 *
 * When to use: comparing two trees held in one process (tests, a node checking
 * a received copy). It runs exactly the steps a network exchange would.
 * Trees of different `bucketsLog2` are `shape-mismatch`.
 */
export function diff(a: MerkleTree, b: MerkleTree, options: CompareOptions = {}): TreeDiff {
  if (a.bucketsLog2 !== b.bucketsLog2) {
    throw new MerkleError('shape-mismatch', `cannot compare 2^${a.bucketsLog2} buckets with 2^${b.bucketsLog2}`);
  }
  const buckets: number[] = [];
  let nodesCompared = 0;
  let request: NodeRequest | undefined = firstRequest();
  while (request !== undefined) {
    const step = compareNodes(a, request.depth, request.indices, b.nodes(request.depth, request.indices), options);
    nodesCompared += step.nodesCompared;
    buckets.push(...step.buckets);
    request = step.next;
  }
  return { buckets, nodesCompared };
}

/** All descendants `stride` levels below `parents` (at `depth`), capped at the leaves. */
function descendants(parents: number[], depth: number, leafDepth: number, stride: number): NodeRequest {
  const nextDepth = Math.min(depth + stride, leafDepth);
  const fanOut = 2 ** (nextDepth - depth);
  const indices: number[] = [];
  for (const parent of parents) {
    for (let c = 0; c < fanOut; c++) indices.push(parent * fanOut + c);
  }
  return { depth: nextDepth, indices };
}

function sameHash(a: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 8; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkStride(stride: number | undefined): number {
  const value = stride ?? 1;
  if (!Number.isInteger(value) || value < 1 || value > strideLevelsMax) {
    throw new MerkleError(
      'invalid-argument',
      `stride must be an integer in [1, ${strideLevelsMax}], got ${String(stride)}`,
    );
  }
  return value;
}

function describeLength(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}
