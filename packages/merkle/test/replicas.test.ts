// The replica scenarios: two trees over the same keys agree; a few
// changed, added or removed keys show up as exactly their buckets; insertion
// order never matters; a removal restores the previous root.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { MerkleTree, diff } from '../src/index.js';
import { bucketsOf, randomBytes, randomItems, treeOf, type Item } from './fixtures.js';

describe('two replicas over the same 100,000 keys', () => {
  const seed = testSeed(100_000);
  const rng = new Rng(seed);
  const items = randomItems(rng, 100_000);
  const a = treeOf(items);
  const b = treeOf(rng.shuffle(items));

  it('have equal roots, equal levels and an empty diff whatever the insertion order', () => {
    expect(a.root(), seedNote(seed)).toBe(b.root());
    expect(a.level(a.bucketsLog2), seedNote(seed)).toEqual(b.level(b.bucketsLog2));
    expect(diff(a, b), seedNote(seed)).toEqual({ buckets: [], nodesCompared: 1 });
    expect(a.size).toBe(100_000);
  });

  it('differ in exactly the buckets of 3 changed keys', () => {
    const replica = b.clone();
    const changed = pickThree(rng, items);
    for (const item of changed) replica.update(item.position, item.key, item.digest, randomBytes(rng, 8));
    const result = diff(a, replica);
    expect(result.buckets, seedNote(seed)).toEqual(bucketsOf(changed, a));
    expect(replica.size).toBe(a.size);
  });

  it('differ in exactly the buckets of 3 added keys', () => {
    const replica = b.clone();
    const added = randomItems(rng, 3, 'added');
    for (const item of added) replica.insert(item.position, item.key, item.digest);
    expect(diff(a, replica).buckets, seedNote(seed)).toEqual(bucketsOf(added, a));
    expect(replica.size).toBe(a.size + 3);
  });

  it('differ in exactly the buckets of 3 removed keys', () => {
    const replica = b.clone();
    const removed = pickThree(rng, items);
    for (const item of removed) replica.remove(item.position, item.key, item.digest);
    expect(diff(a, replica).buckets, seedNote(seed)).toEqual(bucketsOf(removed, a));
    expect(replica.size).toBe(a.size - 3);
  });

  it('agree again once the changed buckets are rebuilt from the other replica', () => {
    const replica = b.clone();
    const changed = pickThree(rng, items);
    for (const item of changed) replica.update(item.position, item.key, item.digest, randomBytes(rng, 8));
    const { buckets } = diff(a, replica);
    for (const bucket of buckets) {
      replica.resetBucket(bucket);
      for (const item of items) {
        if (a.bucketOf(item.position) === bucket) replica.insert(item.position, item.key, item.digest);
      }
    }
    expect(replica.root(), seedNote(seed)).toBe(a.root());
  });
});

describe('order independence and reversibility (fast-check)', () => {
  const seed = testSeed(4242);
  const itemArb = fc.record({
    position: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    key: fc.string({ maxLength: 24 }),
    digest: fc.uint8Array({ minLength: 0, maxLength: 32 }),
  });
  const itemsAndPermutation = fc
    .array(itemArb, { maxLength: 60 })
    .chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length })));
  const bucketsLog2Arb = fc.integer({ min: 0, max: 6 });

  it('insertion order does not change the root or any node', () => {
    fc.assert(
      fc.property(itemsAndPermutation, bucketsLog2Arb, ([items, permuted], bucketsLog2) => {
        const a = treeOf(items, { bucketsLog2 });
        const b = treeOf(permuted, { bucketsLog2 });
        expect(a.root(), seedNote(seed)).toBe(b.root());
        expect(a.serialize(), seedNote(seed)).toEqual(b.serialize());
      }),
      { seed, numRuns: 200 },
    );
  });

  it('removing what was inserted restores the previous root, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(itemArb, { maxLength: 30 }),
        itemsAndPermutation,
        bucketsLog2Arb,
        (base, [extra, removalOrder], bucketsLog2) => {
          const tree = treeOf(base, { bucketsLog2 });
          const before = tree.root();
          for (const item of extra) tree.insert(item.position, item.key, item.digest);
          for (const item of removalOrder) tree.remove(item.position, item.key, item.digest);
          expect(tree.root(), seedNote(seed)).toBe(before);
          expect(tree.size, seedNote(seed)).toBe(base.length);
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('a chain of updates ends where a direct insert of the last version would', () => {
    fc.assert(
      fc.property(
        itemArb,
        fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 8 }),
        (item, versions) => {
          const updated = new MerkleTree({ bucketsLog2: 4 });
          updated.insert(item.position, item.key, item.digest);
          let current = item.digest;
          for (const next of versions) {
            updated.update(item.position, item.key, current, next);
            current = next;
          }
          const direct = treeOf([{ ...item, digest: current }], { bucketsLog2: 4 });
          expect(updated.root(), seedNote(seed)).toBe(direct.root());
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('a pair inserted twice is not mistaken for an absent pair (sum, not XOR)', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        const twice = treeOf([item, item], { bucketsLog2: 3 });
        expect(twice.root(), seedNote(seed)).not.toBe(new MerkleTree({ bucketsLog2: 3 }).root());
        expect(twice.root(), seedNote(seed)).not.toBe(treeOf([item], { bucketsLog2: 3 }).root());
      }),
      { seed, numRuns: 100 },
    );
  });
});

function pickThree(rng: Rng, items: readonly Item[]): Item[] {
  const chosen = new Set<number>();
  while (chosen.size < 3) chosen.add(rng.int(items.length));
  return [...chosen].map((i) => items[i]!);
}
