/**
 * The serialized form of a tree, level by level from the root.
 *
 * Layout (all integers big-endian), for a tree of n = 2^b buckets:
 *
 *   offset            bytes      field
 *   0                 4          magic "RKMT" (52 4B 4D 54)
 *   4                 1          format version, 1
 *   5                 1          b = bucketsLog2, within [bucketsLog2Min, bucketsLog2Max]
 *   6                 2          reserved, zero
 *   8                 8·(2n-1)   node hashes, u64 each: depth 0 (the root), then the
 *                                2 nodes of depth 1, …, then the n leaves, each level
 *                                left to right
 *   8 + 8·(2n-1)      12·n       leaf summaries in bucket order: pair count u32, then
 *                                the sum of the pairs' item hashes u64
 *
 * A reader that only wants the top of the tree reads a prefix: depth d ends at
 * byte 8 + 8·(2^(d+1) - 1). The summaries come last because only a receiver
 * that wants a working copy (to keep updating it) needs them.
 *
 * Invariants:
 *   1. `decodeTree(encodeTree(p))` returns parts equal to `p`.
 *   2. `decodeTree` checks structure (magic, version, bounds, exact length)
 *      before it allocates anything sized by the input; it does not check that
 *      the hashes agree with the summaries, which the tree does on load.
 */
import { MerkleError } from './errors.js';
import { bucketsLog2Max, bucketsLog2Min } from './limits.js';

/** The first four bytes of a serialized tree: "RKMT". */
export const treeMagic = Uint8Array.of(0x52, 0x4b, 0x4d, 0x54);

/** The format version this package writes and the only one it reads. */
export const treeFormatVersion = 1;

/** Bytes before the first node hash. */
export const treeHeaderBytes = 8;

/** Bytes per leaf summary: a u32 count and a u64 sum. */
const summaryBytes = 12;

/**
 * The raw arrays of a tree. `nodes` holds node i of the heap layout (root at 1,
 * children of i at 2i and 2i+1, leaves at n..2n-1) at [2i] (high 32 bits) and
 * [2i+1] (low); entries 0 and 1 are unused. `sums` holds bucket k at [2k] and
 * [2k+1] the same way.
 */
export interface TreeParts {
  readonly bucketsLog2: number;
  readonly nodes: Uint32Array;
  readonly counts: Uint32Array;
  readonly sums: Uint32Array;
}

/** The exact length of a serialized tree with 2^bucketsLog2 buckets. */
export function serializedTreeBytes(bucketsLog2: number): number {
  const n = 2 ** bucketsLog2;
  return treeHeaderBytes + 8 * (2 * n - 1) + summaryBytes * n;
}

/** Writes `parts` in the layout above into a new array the caller owns. */
export function encodeTree(parts: TreeParts): Uint8Array {
  const n = 2 ** parts.bucketsLog2;
  const bytes = new Uint8Array(serializedTreeBytes(parts.bucketsLog2));
  const view = new DataView(bytes.buffer);
  bytes.set(treeMagic, 0);
  view.setUint8(4, treeFormatVersion);
  view.setUint8(5, parts.bucketsLog2);
  let at = treeHeaderBytes;
  for (let i = 1; i < 2 * n; i++, at += 8) {
    view.setUint32(at, parts.nodes[2 * i]!);
    view.setUint32(at + 4, parts.nodes[2 * i + 1]!);
  }
  for (let k = 0; k < n; k++, at += summaryBytes) {
    view.setUint32(at, parts.counts[k]!);
    view.setUint32(at + 4, parts.sums[2 * k]!);
    view.setUint32(at + 8, parts.sums[2 * k + 1]!);
  }
  return bytes;
}

/**
 * Reads the layout above from untrusted bytes. Any structural fault is a
 * `malformed` MerkleError; the input is not retained.
 */
export function decodeTree(bytes: Uint8Array): TreeParts {
  const bucketsLog2 = readHeader(bytes);
  const n = 2 ** bucketsLog2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nodes = new Uint32Array(4 * n);
  const counts = new Uint32Array(n);
  const sums = new Uint32Array(2 * n);
  let at = treeHeaderBytes;
  for (let i = 1; i < 2 * n; i++, at += 8) {
    nodes[2 * i] = view.getUint32(at);
    nodes[2 * i + 1] = view.getUint32(at + 4);
  }
  for (let k = 0; k < n; k++, at += summaryBytes) {
    counts[k] = view.getUint32(at);
    sums[2 * k] = view.getUint32(at + 4);
    sums[2 * k + 1] = view.getUint32(at + 8);
  }
  return { bucketsLog2, nodes, counts, sums };
}

/** Validates the header and the total length; returns bucketsLog2. */
function readHeader(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) throw malformed(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < treeHeaderBytes) throw malformed(`${bytes.length} bytes is shorter than the header`);
  for (let i = 0; i < treeMagic.length; i++) {
    if (bytes[i] !== treeMagic[i]) throw malformed('bad magic (not a serialized merkle tree)');
  }
  if (bytes[4] !== treeFormatVersion) throw malformed(`unsupported format version ${bytes[4]!}`);
  const bucketsLog2 = bytes[5]!;
  if (bucketsLog2 < bucketsLog2Min || bucketsLog2 > bucketsLog2Max) {
    throw malformed(`bucketsLog2 ${bucketsLog2} outside [${bucketsLog2Min}, ${bucketsLog2Max}]`);
  }
  if (bytes[6] !== 0 || bytes[7] !== 0) throw malformed('reserved header bytes are not zero');
  const expected = serializedTreeBytes(bucketsLog2);
  if (bytes.length !== expected) {
    throw malformed(`length ${bytes.length} bytes, expected ${expected} for bucketsLog2 ${bucketsLog2}`);
  }
  return bucketsLog2;
}

function malformed(detail: string): MerkleError {
  return new MerkleError('malformed', `serialized tree: ${detail}`);
}
