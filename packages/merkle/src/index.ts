// @ringkv/merkle: incremental Merkle trees over buckets of the 64-bit hash space, with tree diff.
// The only public entry of the package; nothing public lives elsewhere.
export { MerkleTree } from './tree.js';
export type { MerkleTreeOptions } from './tree.js';
export type { MerkleKey } from './node-hash.js';
export { diff, compareNodes, firstRequest } from './diff.js';
export type { TreeDiff, CompareStep, CompareOptions, NodeRequest } from './diff.js';
export { bucketOf, bucketRange, positionBytes } from './position.js';
export type { BucketRange } from './position.js';
export { serializedTreeBytes, treeFormatVersion } from './codec.js';
export { versionDigest, versionDigestBytes } from './digest.js';
export { MerkleError, isMerkleError } from './errors.js';
export type { MerkleErrorCode } from './errors.js';
export {
  bucketsLog2Default,
  bucketsLog2Min,
  bucketsLog2Max,
  keyBytesMax,
  digestBytesMax,
  bucketItemsMax,
  strideLevelsMax,
} from './limits.js';
