import { describe, expect, it } from 'vitest';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { MerkleTree } from './tree.js';
import { decodeTree, encodeTree, serializedTreeBytes, treeHeaderBytes, type TreeParts } from './codec.js';
import { hashInner, hashLeaf } from './node-hash.js';
import { errorCode } from '../test/error-code.js';
import { bucketItemsMax } from './limits.js';

function randomTree(rng: Rng, bucketsLog2: number, count: number): MerkleTree {
  const tree = new MerkleTree({ bucketsLog2 });
  for (let i = 0; i < count; i++) {
    const position = Uint8Array.from({ length: 8 }, () => rng.int(256));
    tree.insert(position, `k${i}`, Uint8Array.of(rng.int(256), rng.int(256)));
  }
  return tree;
}

/** Recomputes every node hash of `parts` from its summaries, as a well-behaved writer would. */
function seal(parts: TreeParts): Uint8Array {
  const n = 2 ** parts.bucketsLog2;
  const out = new Uint32Array(2);
  for (let k = 0; k < n; k++) {
    hashLeaf(parts.counts[k]!, parts.sums[2 * k]!, parts.sums[2 * k + 1]!, out);
    parts.nodes.set(out, 2 * (n + k));
  }
  for (let i = n - 1; i >= 1; i--) {
    const h = parts.nodes;
    hashInner(h[4 * i]!, h[4 * i + 1]!, h[4 * i + 2]!, h[4 * i + 3]!, out);
    parts.nodes.set(out, 2 * i);
  }
  return encodeTree(parts);
}

describe('serialize / deserialize', () => {
  it('round-trips trees of every shape: same nodes, sizes and future updates', () => {
    const seed = testSeed(555);
    const rng = new Rng(seed);
    for (const bucketsLog2 of [0, 1, 3, 10]) {
      const tree = randomTree(rng, bucketsLog2, 300);
      const bytes = tree.serialize();
      expect(bytes.length).toBe(serializedTreeBytes(bucketsLog2));
      const copy = MerkleTree.deserialize(bytes);
      expect(copy.serialize(), seedNote(seed)).toEqual(bytes);
      expect(copy.root()).toBe(tree.root());
      expect(copy.size).toBe(300);
      const position = new Uint8Array(8);
      tree.insert(position, 'later', Uint8Array.of(1));
      copy.insert(position, 'later', Uint8Array.of(1));
      expect(copy.root(), seedNote(seed)).toBe(tree.root());
    }
  });

  it('lays out the header, then node hashes level by level from the root', () => {
    const tree = randomTree(new Rng(1), 2, 20);
    const bytes = tree.serialize();
    expect(Array.from(bytes.subarray(0, treeHeaderBytes))).toEqual([0x52, 0x4b, 0x4d, 0x54, 1, 2, 0, 0]);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(8)).toBe(tree.root());
    expect(bytes.subarray(16, 32)).toEqual(tree.level(1));
    expect(bytes.subarray(32, 64)).toEqual(tree.level(2));
    expect(view.getUint32(64)).toBe(tree.bucketSize(0));
  });

  it('decodes what it encodes without losing a bit', () => {
    const tree = randomTree(new Rng(2), 4, 50);
    const parts = decodeTree(tree.serialize());
    expect(encodeTree(parts)).toEqual(tree.serialize());
  });

  it('accepts a tree sealed by another writer, including a bucket at its count limit', () => {
    const parts = decodeTree(new MerkleTree({ bucketsLog2: 2 }).serialize());
    parts.counts[1] = bucketItemsMax;
    const tree = MerkleTree.deserialize(seal(parts));
    expect(tree.size).toBe(bucketItemsMax);
    expect(errorCode(() => tree.insert(Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0), 'k', Uint8Array.of(1)))).toBe(
      'bucket-full',
    );
    expect(tree.bucketSize(1)).toBe(bucketItemsMax);
    tree.insert(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0), 'k', Uint8Array.of(1));
    expect(tree.size).toBe(bucketItemsMax + 1);
  });
});

describe('deserialize rejects malformed input with MerkleError malformed', () => {
  const good = randomTree(new Rng(3), 3, 40).serialize();

  function patched(at: number, value: number): Uint8Array {
    const bytes = good.slice();
    bytes[at] = value;
    return bytes;
  }

  it('rejects a wrong magic, version, reserved byte or bucketsLog2', () => {
    expect(errorCode(() => MerkleTree.deserialize(patched(0, 0x53)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(patched(4, 2)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(patched(7, 1)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(patched(5, 21)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(patched(5, 4)))).toBe('malformed');
  });

  it('rejects empty, truncated, extended and non-byte input', () => {
    expect(errorCode(() => MerkleTree.deserialize(new Uint8Array(0)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(good.subarray(0, 7)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(good.subarray(0, good.length - 1)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize(Uint8Array.of(...good, 0)))).toBe('malformed');
    expect(errorCode(() => MerkleTree.deserialize('RKMT' as unknown as Uint8Array))).toBe('malformed');
  });

  it('rejects any single flipped bit in the hashes or the summaries', () => {
    const seed = testSeed(909);
    const rng = new Rng(seed);
    for (let t = 0; t < 300; t++) {
      const at = treeHeaderBytes + rng.int(good.length - treeHeaderBytes);
      const bytes = patched(at, good[at]! ^ (1 << rng.int(8)));
      expect(
        errorCode(() => MerkleTree.deserialize(bytes)),
        `${seedNote(seed)} byte ${at}`,
      ).toBe('malformed');
    }
  });

  it('reads a tree that sits inside a larger buffer at an offset', () => {
    const framed = new Uint8Array(good.length + 5);
    framed.set(good, 3);
    expect(MerkleTree.deserialize(framed.subarray(3, 3 + good.length)).serialize()).toEqual(good);
  });
});
