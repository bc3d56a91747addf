// The textbook example of Merkle-tree anti-entropy (as drawn, for instance, in
// Alex Xu's "System Design Interview", chapter "Design a key-value store"):
// the key space 1..12 is divided into 4 buckets of 3 keys (1-3, 4-6, 7-9,
// 10-12); each bucket becomes a leaf, leaves are hashed pairwise up to the
// root. Two servers hold the same keys except that one key has a different
// version on server 2. Comparing them:
//
//   depth 0            [root]                 1 comparison: roots differ
//                     /      \
//   depth 1      [1-6]        [7-12]          2 comparisons: left equal, right differs
//                /   \        /    \
//   depth 2  [1-3] [4-6]  [7-9] [10-12]       2 comparisons (only under 7-12):
//                          ^^^^^               bucket 7-9 differs
//
// so 5 node comparisons in all, the left subtree's leaves are never looked at,
// and exactly the bucket holding the changed key (8) needs repair.
import { describe, expect, it } from 'vitest';
import { MerkleTree, compareNodes, diff, firstRequest } from '../src/index.js';

const keys = Array.from({ length: 12 }, (_, i) => i + 1);

/** Key k sits in bucket floor((k-1)/3): the top 2 bits of its position. */
function positionOf(k: number): Uint8Array {
  const position = new Uint8Array(8);
  position[0] = Math.floor((k - 1) / 3) << 6;
  position[7] = k;
  return position;
}

function server(versionOf: (k: number) => number): MerkleTree {
  const tree = new MerkleTree({ bucketsLog2: 2 });
  for (const k of keys) tree.insert(positionOf(k), String(k), Uint8Array.of(versionOf(k)));
  return tree;
}

describe('the textbook example: keys 1-12 in 4 buckets, one changed key', () => {
  const server1 = server(() => 1);
  const server2 = server((k) => (k === 8 ? 2 : 1));

  it('puts the keys 1-3, 4-6, 7-9 and 10-12 in buckets 0, 1, 2 and 3', () => {
    expect(keys.map((k) => server1.bucketOf(positionOf(k)))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect([0, 1, 2, 3].map((b) => server1.bucketSize(b))).toEqual([3, 3, 3, 3]);
  });

  it('finds exactly the bucket of key 8 (keys 7-9) after 5 node comparisons', () => {
    expect(diff(server1, server2)).toEqual({ buckets: [2], nodesCompared: 5 });
  });

  it('descends as drawn: root differs, then the right child, then leaf 7-9', () => {
    const root = compareNodes(server1, 0, [0], server2.nodes(0, [0]));
    expect(root).toMatchObject({ differing: [0], next: { depth: 1, indices: [0, 1] } });
    const children = compareNodes(server1, 1, [0, 1], server2.nodes(1, [0, 1]));
    expect(children).toMatchObject({ differing: [1], next: { depth: 2, indices: [2, 3] } });
    const leaves = compareNodes(server1, 2, [2, 3], server2.nodes(2, [2, 3]));
    expect(leaves).toMatchObject({ differing: [2], buckets: [2], next: undefined });
    expect(firstRequest()).toEqual({ depth: 0, indices: [0] });
  });

  it('compares only the roots when the servers agree', () => {
    const agreeing = server(() => 1);
    expect(diff(server1, agreeing)).toEqual({ buckets: [], nodesCompared: 1 });
  });

  it('finds whichever bucket holds the changed key, always after 5 comparisons', () => {
    for (const changed of keys) {
      const other = server((k) => (k === changed ? 2 : 1));
      expect(diff(server1, other), `key ${changed}`).toEqual({
        buckets: [Math.floor((changed - 1) / 3)],
        nodesCompared: 5,
      });
    }
  });

  it('syncs by rebuilding the differing bucket from the other server', () => {
    const repaired = server2.clone();
    repaired.resetBucket(2);
    for (const k of [7, 8, 9]) repaired.insert(positionOf(k), String(k), Uint8Array.of(1));
    expect(repaired.root()).toBe(server1.root());
  });
});
