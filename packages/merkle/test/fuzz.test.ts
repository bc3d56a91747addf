/**
 * Seeded fuzzing of the Merkle decoders that take untrusted bytes (issue 16):
 * a serialized tree (`MerkleTree.deserialize`) and a peer's node hashes in an
 * exchange step (`compareNodes`). Each may only succeed or throw a
 * `MerkleError('malformed')`. `FUZZ_INPUTS` sets the inputs per target
 * (default 10⁵; `pnpm fuzz` runs 10⁶). Replay with SEED=<n>.
 */
import { describe, expect, it } from 'vitest';
import { fuzzInputs, Rng, runFuzz, testSeed } from '@ringkv/sim';
import { compareNodes, isMerkleError, MerkleTree } from '../src/index.js';
import { randomItems, treeOf } from './fixtures.js';

const malformed = (e: unknown): boolean => isMerkleError(e) && e.code === 'malformed';

describe('fuzzing the Merkle decoders (issue 16)', () => {
  const seed = testSeed(1618);
  const timeout = Math.max(120_000, fuzzInputs() * 3);

  it('a serialized tree deserializes or is malformed', { timeout }, () => {
    const rng = new Rng(seed);
    const corpus = [0, 3, 6].map((bucketsLog2) => treeOf(randomItems(rng, 40), { bucketsLog2 }).serialize());
    const report = runFuzz({ name: 'serialized tree', seed, corpus, decode: (d) => void MerkleTree.deserialize(d), expected: malformed });
    expect(report.refused).toBeGreaterThan(0);
  });

  it("a peer's node hashes compare or are malformed", { timeout }, () => {
    const rng = new Rng(seed + 1);
    const ours = treeOf(randomItems(rng, 200), { bucketsLog2: 6 });
    const theirs = treeOf(randomItems(rng, 200), { bucketsLog2: 6 });
    const indices = [0, 1, 2, 3, 4, 5, 6, 7];
    const corpus = [theirs.nodes(3, indices)];
    const decode = (hashes: Uint8Array): void => void compareNodes(ours, 3, indices, hashes);
    const report = runFuzz({ name: 'peer node hashes', seed, corpus, decode, expected: malformed });
    expect(report.refused).toBeGreaterThan(0);
    expect(report.accepted).toBeGreaterThan(0);
  });
});
