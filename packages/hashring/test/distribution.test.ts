/**
 * Balance and movement on 1,000,000 random keys, the textbook experiments of
 * consistent hashing with virtual nodes. Keys are hashed once and reused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { HashRing, hashKey } from '../src/index.js';

const keyCount = 1_000_000;
const nodes = Array.from({ length: 10 }, (_, i) => `node-${i}`);
const seed = testSeed(7_000_001);
let positions: bigint[] = [];

beforeAll(() => {
  const rng = new Rng(seed);
  const key = new Uint8Array(16);
  positions = new Array<bigint>(keyCount);
  for (let i = 0; i < keyCount; i++) {
    for (let b = 0; b < 16; b += 4) {
      const w = rng.nextUint32();
      key[b] = w;
      key[b + 1] = w >>> 8;
      key[b + 2] = w >>> 16;
      key[b + 3] = w >>> 24;
    }
    positions[i] = hashKey(key);
  }
});

function primaries(ring: HashRing): string[] {
  return positions.map((p) => ring.preferenceListAt(p, 1)[0] as string);
}

/** Relative standard deviation (population) of keys per node. */
function relativeStdDev(owners: readonly string[], ids: readonly string[]): number {
  const counts = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  const values = [...counts.values()];
  const mean = owners.length / ids.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

describe('load balance over 10 nodes and 1,000,000 keys', () => {
  // Computed on first use, so each test also runs alone (vitest -t).
  const cache = new Map<number, number>();
  const rsdAt = (vnodes: number): number => {
    if (!cache.has(vnodes)) cache.set(vnodes, relativeStdDev(primaries(HashRing.fromNodes(nodes, { vnodes })), nodes));
    return cache.get(vnodes) as number;
  };

  it('is within about 10% relative standard deviation with 100 vnodes', () => {
    expect(rsdAt(100), seedNote(seed)).toBeGreaterThan(0.05);
    expect(rsdAt(100), seedNote(seed)).toBeLessThan(0.15);
  });

  it('is tighter with 200 vnodes than with 100', () => {
    expect(rsdAt(200), seedNote(seed)).toBeGreaterThan(0.02);
    expect(rsdAt(200), seedNote(seed)).toBeLessThan(rsdAt(100));
  });

  it('is far worse with a single token per node', () => {
    expect(rsdAt(1), seedNote(seed)).toBeGreaterThan(0.4);
    expect(rsdAt(1), seedNote(seed)).toBeGreaterThan(3 * (rsdAt(100)));
  });

  it('improves with vnodes on average over many clusters (exact shares, no sampling)', () => {
    // One cluster's spread is itself noisy; the mean over 40 clusters of exact ring shares is not.
    const meanRsd = (vnodes: number): number => {
      let total = 0;
      for (let c = 0; c < 40; c++) {
        const ids = Array.from({ length: 10 }, (_, i) => `c${c}-node-${i}`);
        const shares = [...HashRing.fromNodes(ids, { vnodes }).ownership(1).values()].map((s) => s.primary);
        const variance = shares.reduce((s, v) => s + (v - 0.1) ** 2, 0) / shares.length;
        total += Math.sqrt(variance) / 0.1;
      }
      return total / 40;
    };
    const [one, hundred, twoHundred] = [meanRsd(1), meanRsd(100), meanRsd(200)];
    // Theory: about 1/sqrt(vnodes) for many vnodes (0.10 and 0.07), near 1 for a single token.
    expect(hundred).toBeGreaterThan(0.07);
    expect(hundred).toBeLessThan(0.13);
    expect(twoHundred).toBeGreaterThan(0.05);
    expect(twoHundred).toBeLessThan(0.09);
    expect(one).toBeGreaterThan(0.6);
  });
});

describe('adding an 11th node to 10 at 100 vnodes', () => {
  it('moves about 1/11 of the keys, every one of them to the new node', () => {
    const before = HashRing.fromNodes(nodes, { vnodes: 100 });
    const after = before.addNode('node-10');
    const old = primaries(before);
    const now = primaries(after);
    let moved = 0;
    let movedElsewhere = 0;
    for (let i = 0; i < keyCount; i++) {
      if (old[i] === now[i]) continue;
      moved++;
      if (now[i] !== 'node-10') movedElsewhere++;
    }
    expect(movedElsewhere, seedNote(seed)).toBe(0);
    expect(moved / keyCount, seedNote(seed)).toBeGreaterThan(0.06);
    expect(moved / keyCount, seedNote(seed)).toBeLessThan(0.12);
    // The keys that moved are exactly those the new node now owns.
    expect(moved, seedNote(seed)).toBe(now.filter((owner) => owner === 'node-10').length);
  });
});
