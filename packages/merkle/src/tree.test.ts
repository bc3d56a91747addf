import { describe, expect, it } from 'vitest';
import { MerkleTree } from './tree.js';
import { errorCode } from '../test/error-code.js';
import { bucketsLog2Default, digestBytesMax, keyBytesMax } from './limits.js';

const utf8 = new TextEncoder();

function at(firstByte: number): Uint8Array {
  const position = new Uint8Array(8);
  position[0] = firstByte;
  return position;
}

const v1 = Uint8Array.of(1);
const v2 = Uint8Array.of(2);

describe('MerkleTree', () => {
  it('has 2^10 buckets by default and the bounds of bucketsLog2 are enforced', () => {
    const tree = new MerkleTree();
    expect(tree.bucketsLog2).toBe(bucketsLog2Default);
    expect(tree.bucketCount).toBe(1024);
    expect(new MerkleTree({ bucketsLog2: 0 }).bucketCount).toBe(1);
    expect(errorCode(() => new MerkleTree({ bucketsLog2: 21 }))).toBe('invalid-argument');
    expect(errorCode(() => new MerkleTree({ bucketsLog2: -1 }))).toBe('invalid-argument');
  });

  it('gives empty trees of one shape the same root, and different shapes different roots', () => {
    expect(new MerkleTree({ bucketsLog2: 4 }).root()).toBe(new MerkleTree({ bucketsLog2: 4 }).root());
    expect(new MerkleTree({ bucketsLog2: 4 }).root()).not.toBe(new MerkleTree({ bucketsLog2: 5 }).root());
  });

  it('changes the root, the leaf and its ancestors on insert, and nothing else', () => {
    const tree = new MerkleTree({ bucketsLog2: 3 });
    const before = [0, 1, 2, 3].map((depth) => tree.level(depth));
    tree.insert(at(0xa0), 'k', v1); // bucket 5 = 0b101: path 0 → 1 → 2 → 5
    const path = [0, 1, 2, 5];
    for (let depth = 0; depth <= 3; depth++) {
      const after = tree.level(depth);
      for (let index = 0; index < 2 ** depth; index++) {
        const same =
          after.subarray(8 * index, 8 * index + 8).join() === before[depth]!.subarray(8 * index, 8 * index + 8).join();
        expect(same, `depth ${depth} index ${index}`).toBe(path[depth] !== index);
      }
    }
    expect(tree.size).toBe(1);
    expect(tree.bucketSize(5)).toBe(1);
  });

  it('distinguishes keys, digests and the boundary between them', () => {
    const roots = new Set<bigint>();
    for (const [key, digest] of [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc', ''],
      ['ab', 'd'],
      ['', 'abc'],
    ] as const) {
      const tree = new MerkleTree({ bucketsLog2: 1 });
      tree.insert(at(0), key, utf8.encode(digest));
      roots.add(tree.root());
    }
    expect(roots.size).toBe(5);
  });

  it('hashes a string key and its UTF-8 bytes alike', () => {
    const a = new MerkleTree({ bucketsLog2: 2 });
    const b = new MerkleTree({ bucketsLog2: 2 });
    a.insert(at(0x40), 'clé-🔑', v1);
    b.insert(at(0x40), utf8.encode('clé-🔑'), v1);
    expect(a.root()).toBe(b.root());
  });

  it('update is remove then insert, and apply covers all three', () => {
    const viaUpdate = new MerkleTree({ bucketsLog2: 2 });
    viaUpdate.insert(at(0), 'k', v1);
    viaUpdate.update(at(0), 'k', v1, v2);
    const viaApply = new MerkleTree({ bucketsLog2: 2 });
    viaApply.apply(at(0), 'k', undefined, v1);
    viaApply.apply(at(0), 'k', v1, undefined);
    viaApply.apply(at(0), 'k', undefined, v2);
    viaApply.apply(at(0), 'k', undefined, undefined);
    const direct = new MerkleTree({ bucketsLog2: 2 });
    direct.insert(at(0), 'k', v2);
    expect(viaUpdate.root()).toBe(direct.root());
    expect(viaApply.root()).toBe(direct.root());
    expect(viaApply.size).toBe(1);
  });

  it('refuses to remove or update from an empty bucket, leaving the tree unchanged', () => {
    const tree = new MerkleTree({ bucketsLog2: 2 });
    tree.insert(at(0), 'k', v1);
    const root = tree.root();
    expect(errorCode(() => tree.remove(at(0xff), 'k', v1))).toBe('bucket-empty');
    expect(errorCode(() => tree.update(at(0xff), 'k', v1, v2))).toBe('bucket-empty');
    expect(tree.root()).toBe(root);
    expect(tree.size).toBe(1);
  });

  it('validates keys, digests and positions before changing anything', () => {
    const tree = new MerkleTree({ bucketsLog2: 2 });
    const root = tree.root();
    expect(errorCode(() => tree.insert(at(0), 'x'.repeat(keyBytesMax + 1), v1))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(at(0), 'é'.repeat(keyBytesMax / 2 + 1), v1))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(at(0), new Uint8Array(keyBytesMax + 1), v1))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(at(0), 42 as unknown as string, v1))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(at(0), 'k', new Uint8Array(digestBytesMax + 1)))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(at(0), 'k', 'v1' as unknown as Uint8Array))).toBe('invalid-argument');
    expect(errorCode(() => tree.insert(new Uint8Array(4), 'k', v1))).toBe('invalid-argument');
    expect(tree.root()).toBe(root);
    expect(tree.size).toBe(0);
  });

  it('accepts a key and a digest at exactly their limits', () => {
    const tree = new MerkleTree({ bucketsLog2: 2 });
    tree.insert(at(0), 'x'.repeat(keyBytesMax), new Uint8Array(digestBytesMax));
    tree.insert(at(0), new Uint8Array(keyBytesMax).fill(7), new Uint8Array(digestBytesMax).fill(9));
    expect(tree.size).toBe(2);
  });

  it('resetBucket empties one bucket and keeps the others', () => {
    const tree = new MerkleTree({ bucketsLog2: 2 });
    tree.insert(at(0x00), 'a', v1);
    const onlyA = tree.root();
    tree.insert(at(0xc0), 'b', v1);
    tree.insert(at(0xc0), 'c', v1);
    tree.resetBucket(3);
    expect(tree.root()).toBe(onlyA);
    expect(tree.size).toBe(1);
    expect(tree.bucketSize(3)).toBe(0);
  });

  it('clone is independent of the original', () => {
    const tree = new MerkleTree({ bucketsLog2: 2 });
    tree.insert(at(0), 'a', v1);
    const copy = tree.clone();
    expect(copy.equals(tree)).toBe(true);
    copy.insert(at(0x80), 'b', v1);
    expect(copy.equals(tree)).toBe(false);
    expect(tree.size).toBe(1);
    expect(copy.size).toBe(2);
  });

  it('reports node hashes as bigint and as big-endian bytes consistently', () => {
    const tree = new MerkleTree({ bucketsLog2: 3 });
    tree.insert(at(0x20), 'a', v1);
    for (let depth = 0; depth <= 3; depth++) {
      const level = tree.level(depth);
      const view = new DataView(level.buffer);
      for (let index = 0; index < 2 ** depth; index++) {
        expect(view.getBigUint64(8 * index)).toBe(tree.node(depth, index));
      }
      const picked = tree.nodes(depth, [2 ** depth - 1, 0]);
      expect(new DataView(picked.buffer).getBigUint64(0)).toBe(tree.node(depth, 2 ** depth - 1));
    }
    expect(tree.node(0, 0)).toBe(tree.root());
  });

  it('rejects out-of-range depths and indices', () => {
    const tree = new MerkleTree({ bucketsLog2: 3 });
    expect(errorCode(() => tree.level(4))).toBe('invalid-argument');
    expect(errorCode(() => tree.node(2, 4))).toBe('invalid-argument');
    expect(errorCode(() => tree.nodes(1, [0, 2]))).toBe('invalid-argument');
    expect(errorCode(() => tree.nodes(1, [Number.NaN]))).toBe('invalid-argument');
    expect(errorCode(() => tree.bucketSize(8))).toBe('invalid-argument');
    expect(errorCode(() => tree.resetBucket(-1))).toBe('invalid-argument');
  });
});
