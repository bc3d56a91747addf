// Benchmarks of @ringkv/merkle (never part of the tests).
//
//   pnpm --filter @ringkv/merkle bench
//
// 1. Incremental updates on a 1,000,000-key tree: each iteration replaces the
//    version digest of 1,000 keys (update = remove old pair + insert new pair,
//    one path rehash), so updates/s = 1,000 × the reported hz.
// 2. diff of two 1,000,000-key trees where 1% of the keys (10,000) have a new
//    version on one side, at 2^10, 2^16 and 2^20 buckets.
// 3. The item hash against node:crypto's sha1 and md5 on a typical item.
// The 1M-key trees are built while the benches are collected (a setup step,
// not timed by the benches); the build rate, the nodes
// compared and the differing buckets are printed as a table after the run.
import { createHash } from 'node:crypto';
import { afterAll, bench, describe } from 'vitest';
import { Rng } from '@ringkv/sim';
import { MerkleTree, diff } from '../src/index.js';
import { hashBytes64 } from '../src/hash64.js';

const keyCount = 1_000_000;
const changedCount = keyCount / 100;
const batch = 1_000;

interface Dataset {
  readonly positions: Uint8Array; // 8 bytes per key
  readonly digests: Uint8Array; // 8 bytes per key, the current version
  readonly keys: string[];
}

let dataset: Dataset | undefined;

function data(): Dataset {
  if (dataset !== undefined) return dataset;
  const rng = new Rng(20261124);
  const positions = new Uint8Array(8 * keyCount);
  const digests = new Uint8Array(8 * keyCount);
  for (let i = 0; i < positions.length; i += 4) {
    const p = rng.nextUint32();
    const d = rng.nextUint32();
    for (let j = 0; j < 4; j++) {
      positions[i + j] = (p >>> (8 * j)) & 0xff;
      digests[i + j] = (d >>> (8 * j)) & 0xff;
    }
  }
  const keys = Array.from({ length: keyCount }, (_, i) => `user:${i.toString(36)}:profile`);
  dataset = { positions, digests, keys };
  return dataset;
}

const position = (d: Dataset, i: number): Uint8Array => d.positions.subarray(8 * i, 8 * i + 8);
const digest = (d: Dataset, i: number): Uint8Array => d.digests.subarray(8 * i, 8 * i + 8);

const summary: Record<string, string | number>[] = [];

function build(bucketsLog2: number, purpose: string): MerkleTree {
  const d = data();
  const tree = new MerkleTree({ bucketsLog2 });
  const started = performance.now();
  for (let i = 0; i < keyCount; i++) tree.insert(position(d, i), d.keys[i]!, digest(d, i));
  const ms = performance.now() - started;
  summary.push({
    measure: `build 1M keys, 2^${bucketsLog2} buckets (${purpose})`,
    value: `${(keyCount / ms / 1000).toFixed(2)} M inserts/s`,
    detail: `${ms.toFixed(0)} ms`,
  });
  return tree;
}

/** A copy of `tree` in which every 100th key has a new version: 1% changed. */
function withOnePercentChanged(tree: MerkleTree): MerkleTree {
  const d = data();
  const other = tree.clone();
  const fresh = new Uint8Array(8);
  for (let i = 0; i < keyCount; i += keyCount / changedCount) {
    fresh.set(digest(d, i));
    fresh[0] = fresh[0]! ^ 0xff;
    other.update(position(d, i), d.keys[i]!, digest(d, i), fresh);
  }
  return other;
}

describe('incremental updates on a 1,000,000-key tree (2^10 buckets)', () => {
  const tree = build(10, 'update bench');
  let next = 0;
  const previous = new Uint8Array(8);

  bench(`update ${batch} keys (new version digest each)`, () => {
    const d = data();
    for (let n = 0; n < batch; n++) {
      const i = next;
      next = (next + 7919) % keyCount;
      const current = digest(d, i);
      previous.set(current);
      current[7] = (current[7]! + 1) & 0xff;
      tree.update(position(d, i), d.keys[i]!, previous, current);
    }
  });
});

for (const bucketsLog2 of [10, 16, 20]) {
  describe(`diff of two 1,000,000-key trees, 1% changed, 2^${bucketsLog2} buckets`, () => {
    const a = build(bucketsLog2, 'diff bench');
    const b = withOnePercentChanged(a);
    const result = diff(a, b);
    const peerKib = ((result.nodesCompared * 8) / 1024).toFixed(0);
    const roundTrips = bucketsLog2 + 1;
    summary.push({
      measure: `diff 1M vs 1M, 1% changed, 2^${bucketsLog2} buckets`,
      value: `${result.nodesCompared} nodes compared`,
      detail: `${result.buckets.length} of ${a.bucketCount} buckets differ; ${peerKib} KiB in ${roundTrips} round trips`,
    });

    bench(`diff (2^${bucketsLog2} buckets)`, () => {
      diff(a, b);
    });
  });
}

describe('item hash: 8-byte position key + 8-byte digest (24 bytes hashed)', () => {
  const item = new Uint8Array(24).map((_, i) => i * 37);
  const out = new Uint32Array(2);
  bench('hashBytes64 (pure TS, MurmurHash3_x86_128 truncated)', () => {
    for (let n = 0; n < batch; n++) {
      item[0] = n;
      hashBytes64(item, item.length, 1, out);
    }
  });
  bench('node:crypto sha1', () => {
    for (let n = 0; n < batch; n++) {
      item[0] = n;
      createHash('sha1').update(item).digest();
    }
  });
  bench('node:crypto md5', () => {
    for (let n = 0; n < batch; n++) {
      item[0] = n;
      createHash('md5').update(item).digest();
    }
  });
});

afterAll(() => {
  console.log('\n@ringkv/merkle summary (hz of the batched benches × 1,000 = operations/s)');
  console.table(summary);
});
