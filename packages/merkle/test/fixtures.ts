// Shared fixtures for the cross-module tests: random (position, key, digest)
// items drawn from a seeded Rng, so every run with the same seed sees the same data.
import { Rng } from '@ringkv/sim';
import { MerkleTree, type MerkleTreeOptions } from '../src/index.js';

export interface Item {
  readonly position: Uint8Array;
  readonly key: string;
  readonly digest: Uint8Array;
}

export function randomBytes(rng: Rng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 4) {
    const word = rng.nextUint32();
    for (let j = 0; j < 4 && i + j < length; j++) bytes[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return bytes;
}

/** `count` items with distinct keys `prefix-i`, random positions and 8-byte digests. */
export function randomItems(rng: Rng, count: number, prefix = 'key'): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    position: randomBytes(rng, 8),
    key: `${prefix}-${i}`,
    digest: randomBytes(rng, 8),
  }));
}

export function treeOf(items: readonly Item[], options: MerkleTreeOptions = {}): MerkleTree {
  const tree = new MerkleTree(options);
  for (const item of items) tree.insert(item.position, item.key, item.digest);
  return tree;
}

/** The buckets of `items` in a tree of 2^bucketsLog2 buckets, distinct and ascending. */
export function bucketsOf(items: readonly Item[], tree: MerkleTree): number[] {
  return [...new Set(items.map((item) => tree.bucketOf(item.position)))].sort((x, y) => x - y);
}
