// Benchmarks of @ringkv/hashring (never part of the tests).
//
//   pnpm --filter @ringkv/hashring bench
//
// 1. preferenceList(key, 3) on a 100-node ring at 256 vnodes each (25,600
//    tokens): with hashing (string keys such as `user:1a2b:profile`), and
//    position only (preferenceListAt with a position from hashKey, which
//    includes turning the bigint into two words at the API edge), and position
//    only from the 8-byte form (preferenceListAtBytes, no bigint at all).
//    Each bench iteration does 1,000 lookups, so lookups/s = 1,000 × hz.
// 2. The key hash (XXH64 in 32-bit halves) against node:crypto's sha1 and md5
//    on the same 1,000 keys per iteration.
// 3. Ring swaps: addNode, ringDiff for a join, and ranges on a fresh ring.
// After the run a table prints per-operation rates measured by a plain timed
// loop (best of 40 passes of 20,000 operations), free of the harness overhead;
// on a loaded machine the best pass is the closest to one uncontended core.
import { createHash } from 'node:crypto';
import { afterAll, bench, describe } from 'vitest';
import { Rng } from '@ringkv/sim';
import { HashRing, hashKey, hashKeyInto, ringDiff } from '../src/index.js';

const batch = 1_000;
const rng = new Rng(20261124);
const keys = Array.from({ length: 200_000 }, () => `user:${rng.nextUint32().toString(36)}:profile`);
const keyBytes = keys.map((k) => new TextEncoder().encode(k));
const positions = keys.map(hashKey);
const positionBytes = new Uint8Array(8 * keys.length);
keys.forEach((k, i) => hashKeyInto(k, positionBytes, 8 * i));
const ring = HashRing.fromNodes(
  Array.from({ length: 100 }, (_, i) => `node-${i}`),
  { vnodes: 256 },
);
const out = new Uint8Array(8);
let cursor = 0;
let sink = 0;

function nextBatchStart(): number {
  cursor = (cursor + batch) % keys.length;
  return cursor;
}

describe(`preferenceList(key, 3), 100 nodes × 256 vnodes, ${batch} lookups per iteration`, () => {
  bench('with hashing: preferenceList(stringKey, 3)', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += ring.preferenceList(keys[i] as string, 3).length;
  });
  bench('position only: preferenceListAt(position, 3)', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += ring.preferenceListAt(positions[i] as bigint, 3).length;
  });
  bench('position only, byte form: preferenceListAtBytes(bytes, 8i, 3)', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += ring.preferenceListAtBytes(positionBytes, 8 * i, 3).length;
  });
});

describe(`hash of a ~20-byte key, ${batch} keys per iteration`, () => {
  bench('hashKeyInto (XXH64, 8 bytes out, no bigint)', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) {
      hashKeyInto(keys[i] as string, out);
      sink += out[0] as number;
    }
  });
  bench('hashKey (XXH64 → bigint)', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += Number(hashKey(keys[i] as string) & 1n);
  });
  bench('node:crypto md5', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += createHash('md5').update(keyBytes[i] as Uint8Array).digest()[0] as number;
  });
  bench('node:crypto sha1', () => {
    const s = nextBatchStart();
    for (let i = s; i < s + batch; i++) sink += createHash('sha1').update(keyBytes[i] as Uint8Array).digest()[0] as number;
  });
});

describe('membership changes on the 100-node ring (what a node pays to swap rings)', () => {
  bench('addNode (a 101st node, 256 tokens)', () => {
    sink += ring.addNode(`extra-${cursor++}`).tokenCount;
  });
  bench('ringDiff(ring, ring + 1 node, 3)', () => {
    sink += ringDiff(ring, ring.addNode(`extra-${cursor++}`), 3).length;
  });
  bench('ranges(node, 3) of a fresh ring (computes all replica rows)', () => {
    sink += ring.removeNode('node-0').ranges('node-1', 3).length;
  });
});

/** Operations per second of `op`: the best of 40 passes over 20,000 keys each. */
function rate(op: (i: number) => void): number {
  const passLength = 20_000;
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 40; pass++) {
    const from = (pass * passLength) % keys.length;
    const started = performance.now();
    for (let i = from; i < from + passLength; i++) op(i);
    best = Math.min(best, performance.now() - started);
  }
  return (passLength / best) * 1000;
}

afterAll(() => {
  const fmt = (x: number): string => `${(x / 1e6).toFixed(2)} M/s`;
  const rows = {
    'preferenceList(key, 3) with hashing': rate((i) => (sink += ring.preferenceList(keys[i] as string, 3).length)),
    'preferenceListAt(position, 3)': rate((i) => (sink += ring.preferenceListAt(positions[i] as bigint, 3).length)),
    'preferenceListAtBytes(bytes, 8i, 3)': rate((i) => (sink += ring.preferenceListAtBytes(positionBytes, 8 * i, 3).length)),
    'hashKeyInto (XXH64)': rate((i) => {
      hashKeyInto(keys[i] as string, out);
      sink += out[0] as number;
    }),
    'hashKey (XXH64 → bigint)': rate((i) => (sink += Number(hashKey(keys[i] as string) & 1n))),
    'node:crypto md5': rate((i) => (sink += createHash('md5').update(keyBytes[i] as Uint8Array).digest()[0] as number)),
    'node:crypto sha1': rate((i) => (sink += createHash('sha1').update(keyBytes[i] as Uint8Array).digest()[0] as number)),
  };
  console.log(`\nhashring: per-operation rates on one core (${ring.size} nodes, ${ring.tokenCount} tokens)`);
  console.table(Object.fromEntries(Object.entries(rows).map(([name, r]) => [name, { rate: fmt(r), nsPerOp: Math.round(1e9 / r) }])));
  if (sink === -1) console.log(sink);
});
