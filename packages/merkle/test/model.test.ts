// A from-scratch model of the tree, written as plainly as possible: BigInt sums,
// explicit byte layouts, and the reference-checked byte hash. Every node of the
// real (incremental, word-based) tree must equal the model's. This pins the
// hash construction documented in src/node-hash.ts, which replicas running
// different versions of the package must share.
import { describe, expect, it } from 'vitest';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { MerkleTree } from '../src/index.js';
import { hashBytes64 } from '../src/hash64.js';
import { randomItems, type Item } from './fixtures.js';

// The seeds are part of the format: "RKit", "RKlf", "RKin" as big-endian ASCII.
const seeds = { item: 0x524b6974, leaf: 0x524b6c66, inner: 0x524b696e };
const mask64 = (1n << 64n) - 1n;

function hash(bytes: Uint8Array, seed: number): bigint {
  const out = new Uint32Array(2);
  hashBytes64(bytes, bytes.length, seed, out);
  return (BigInt(out[0]!) << 32n) | BigInt(out[1]!);
}

function words(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v, true));
  return bytes;
}

const hi = (x: bigint): number => Number(x >> 32n);
const lo = (x: bigint): number => Number(x & 0xffffffffn);

function itemHash(item: Item): bigint {
  const key = new TextEncoder().encode(item.key);
  return hash(Uint8Array.of(...words(key.length), ...key, ...item.digest), seeds.item);
}

/** levels[d][i] = hash of node i at depth d, computed bottom-up from the items. */
function model(items: readonly Item[], bucketsLog2: number): bigint[][] {
  const n = 2 ** bucketsLog2;
  const counts = new Array<number>(n).fill(0);
  const sums = new Array<bigint>(n).fill(0n);
  for (const item of items) {
    const bucket = Number(
      new DataView(item.position.buffer, item.position.byteOffset).getBigUint64(0) >> BigInt(64 - bucketsLog2),
    );
    counts[bucket]! += 1;
    sums[bucket] = (sums[bucket]! + itemHash(item)) & mask64;
  }
  const levels: bigint[][] = [];
  levels[bucketsLog2] = sums.map((sum, k) => hash(words(counts[k]!, hi(sum), lo(sum), 0), seeds.leaf));
  for (let depth = bucketsLog2 - 1; depth >= 0; depth--) {
    const below = levels[depth + 1]!;
    levels[depth] = Array.from({ length: 2 ** depth }, (_, i) =>
      hash(words(hi(below[2 * i]!), lo(below[2 * i]!), hi(below[2 * i + 1]!), lo(below[2 * i + 1]!)), seeds.inner),
    );
  }
  return levels;
}

describe('the tree agrees with a from-scratch model at every node', () => {
  it('after inserts, for every shape', () => {
    const seed = testSeed(1717);
    const rng = new Rng(seed);
    for (const bucketsLog2 of [0, 1, 2, 5, 8]) {
      const items = randomItems(rng, 200 + rng.int(200));
      const tree = new MerkleTree({ bucketsLog2 });
      for (const item of items) tree.insert(item.position, item.key, item.digest);
      const expected = model(items, bucketsLog2);
      for (let depth = 0; depth <= bucketsLog2; depth++) {
        for (let i = 0; i < 2 ** depth; i++) {
          expect(tree.node(depth, i), `${seedNote(seed)} b=${bucketsLog2} depth ${depth} node ${i}`).toBe(
            expected[depth]![i],
          );
        }
      }
    }
  });

  it('after a mix of inserts, updates and removals (the model sees only the final pairs)', () => {
    const seed = testSeed(1818);
    const rng = new Rng(seed);
    const items = randomItems(rng, 300);
    const tree = new MerkleTree({ bucketsLog2: 4 });
    for (const item of items) tree.insert(item.position, item.key, item.digest);
    const final = items.filter((item, i) => {
      if (i % 3 === 0) tree.remove(item.position, item.key, item.digest);
      return i % 3 !== 0;
    });
    const updated = final.map((item, i) => {
      if (i % 2 === 0) return item;
      const digest = Uint8Array.of(rng.int(256), rng.int(256));
      tree.update(item.position, item.key, item.digest, digest);
      return { ...item, digest };
    });
    expect(tree.level(4), seedNote(seed)).toEqual(levelBytes(model(updated, 4)[4]!));
    expect(tree.root(), seedNote(seed)).toBe(model(updated, 4)[0]![0]);
  });
});

describe('lazy rehashing (tree.ts invariant 5)', () => {
  it('every level equals the model whenever it is read, with reads interleaved at random among writes', () => {
    const seed = testSeed(1919);
    const rng = new Rng(seed);
    const bucketsLog2 = 6;
    const items = randomItems(rng, 400);
    const tree = new MerkleTree({ bucketsLog2 });
    const held: Item[] = [];
    for (const item of items) {
      if (held.length > 0 && rng.int(4) === 0) {
        const gone = held.splice(rng.int(held.length), 1)[0]!;
        tree.remove(gone.position, gone.key, gone.digest);
      } else {
        tree.insert(item.position, item.key, item.digest);
        held.push(item);
      }
      if (rng.int(16) === 0) {
        // Read one level (or the root, or a clone's root): each read must see every write before it.
        const depth = rng.int(bucketsLog2 + 1);
        const expected = model(held, bucketsLog2);
        const read = rng.int(3);
        if (read === 0) expect(tree.level(depth), seedNote(seed)).toEqual(levelBytes(expected[depth]!));
        else if (read === 1) expect(tree.root(), seedNote(seed)).toBe(expected[0]![0]);
        else expect(tree.clone().root(), seedNote(seed)).toBe(expected[0]![0]);
      }
    }
    const expected = model(held, bucketsLog2);
    for (let depth = 0; depth <= bucketsLog2; depth++) expect(tree.level(depth), seedNote(seed)).toEqual(levelBytes(expected[depth]!));
    expect(MerkleTree.deserialize(tree.serialize()).root(), seedNote(seed)).toBe(expected[0]![0]);
  });
});

function levelBytes(hashes: bigint[]): Uint8Array {
  const bytes = new Uint8Array(8 * hashes.length);
  hashes.forEach((h, i) => new DataView(bytes.buffer).setBigUint64(8 * i, h));
  return bytes;
}
