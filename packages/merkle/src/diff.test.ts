import { describe, expect, it } from 'vitest';
import { testSeed, seedNote, Rng } from '@ringkv/sim';
import { MerkleTree } from './tree.js';
import { compareNodes, diff, firstRequest, type NodeRequest } from './diff.js';
import { errorCode } from '../test/error-code.js';

/** Position whose top bits put it in `bucket` of a 2^bucketsLog2 tree. */
function inBucket(bucket: number, bucketsLog2: number, salt: number): Uint8Array {
  const position = new Uint8Array(8);
  const view = new DataView(position.buffer);
  view.setBigUint64(0, (BigInt(bucket) << BigInt(64 - bucketsLog2)) | BigInt(salt));
  return position;
}

function populated(bucketsLog2: number, perBucket: number): MerkleTree {
  const tree = new MerkleTree({ bucketsLog2 });
  for (let bucket = 0; bucket < 2 ** bucketsLog2; bucket++) {
    for (let i = 0; i < perBucket; i++) {
      tree.insert(inBucket(bucket, bucketsLog2, i), `k${bucket}/${i}`, Uint8Array.of(1));
    }
  }
  return tree;
}

describe('diff', () => {
  it('returns exactly the touched buckets, ascending, for random edits', () => {
    const seed = testSeed(8080);
    const rng = new Rng(seed);
    const base = populated(6, 2);
    for (let t = 0; t < 50; t++) {
      const other = base.clone();
      const touched = new Set<number>();
      for (let e = 0; e < 1 + rng.int(6); e++) {
        const bucket = rng.int(64);
        touched.add(bucket);
        other.insert(inBucket(bucket, 6, 100 + e), `extra${e}`, Uint8Array.of(e));
      }
      const expected = [...touched].sort((x, y) => x - y);
      expect(diff(base, other).buckets, seedNote(seed)).toEqual(expected);
      expect(diff(other, base).buckets, seedNote(seed)).toEqual(expected);
    }
  });

  it('agrees with a brute-force comparison of every node', () => {
    const seed = testSeed(9191);
    const rng = new Rng(seed);
    for (let t = 0; t < 30; t++) {
      const bucketsLog2 = 1 + rng.int(7);
      const a = populated(bucketsLog2, 1);
      const b = a.clone();
      for (let e = rng.int(2 ** bucketsLog2); e > 0; e--) {
        b.insert(inBucket(rng.int(2 ** bucketsLog2), bucketsLog2, 1000 + e), `x${e}`, Uint8Array.of(e));
      }
      // Stride 1 compares the root, then both children of every differing inner node.
      let differingInner = 0;
      for (let depth = 0; depth < bucketsLog2; depth++) {
        for (let i = 0; i < 2 ** depth; i++) if (a.node(depth, i) !== b.node(depth, i)) differingInner++;
      }
      const differingLeaves = Array.from({ length: 2 ** bucketsLog2 }, (_, k) => k).filter(
        (k) => a.node(bucketsLog2, k) !== b.node(bucketsLog2, k),
      );
      expect(diff(a, b), seedNote(seed)).toEqual({ buckets: differingLeaves, nodesCompared: 1 + 2 * differingInner });
    }
  });

  it('compares 2·depth + 1 nodes for one differing bucket and every node when all differ', () => {
    const a = populated(5, 1);
    const b = a.clone();
    b.insert(inBucket(17, 5, 9), 'x', Uint8Array.of(1));
    expect(diff(a, b)).toEqual({ buckets: [17], nodesCompared: 11 });
    const c = new MerkleTree({ bucketsLog2: 5 });
    const all = diff(a, c);
    expect(all.buckets).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(all.nodesCompared).toBe(63);
  });

  it('finds the same buckets with any stride, in fewer steps', () => {
    const a = populated(8, 1);
    const b = a.clone();
    for (const bucket of [3, 4, 200]) b.insert(inBucket(bucket, 8, 7), 'y', Uint8Array.of(2));
    for (const stride of [1, 2, 3, 8]) {
      expect(diff(a, b, { stride }).buckets, `stride ${stride}`).toEqual([3, 4, 200]);
    }
    expect(diff(a, b, { stride: 8 }).nodesCompared).toBe(1 + 256);
  });

  it('refuses trees of different shapes and bad strides', () => {
    expect(errorCode(() => diff(new MerkleTree({ bucketsLog2: 2 }), new MerkleTree({ bucketsLog2: 3 })))).toBe(
      'shape-mismatch',
    );
    expect(
      errorCode(() => diff(new MerkleTree({ bucketsLog2: 2 }), new MerkleTree({ bucketsLog2: 2 }), { stride: 0 })),
    ).toBe('invalid-argument');
    expect(
      errorCode(() => diff(new MerkleTree({ bucketsLog2: 2 }), new MerkleTree({ bucketsLog2: 2 }), { stride: 9 })),
    ).toBe('invalid-argument');
  });

  it('works for a single-bucket tree', () => {
    const a = new MerkleTree({ bucketsLog2: 0 });
    const b = new MerkleTree({ bucketsLog2: 0 });
    b.insert(new Uint8Array(8), 'k', Uint8Array.of(1));
    expect(diff(a, b)).toEqual({ buckets: [0], nodesCompared: 1 });
    expect(diff(a, a.clone())).toEqual({ buckets: [], nodesCompared: 1 });
  });
});

describe('compareNodes: the remote exchange, one request per step', () => {
  /** Runs the exchange with the peer's answers passing through plain bytes, in split requests. */
  function exchange(local: MerkleTree, remote: MerkleTree, chunk: number): { buckets: number[]; requests: number } {
    const buckets: number[] = [];
    let pending: NodeRequest[] = [firstRequest()];
    let requests = 0;
    while (pending.length > 0) {
      const next: NodeRequest[] = [];
      for (const request of pending) {
        for (let from = 0; from < request.indices.length; from += chunk) {
          const indices = request.indices.slice(from, from + chunk);
          const answer = remote.nodes(request.depth, indices).slice(); // what arrives over the wire
          requests++;
          const step = compareNodes(local, request.depth, indices, answer);
          buckets.push(...step.buckets);
          if (step.next !== undefined) next.push(step.next);
        }
      }
      pending = next;
    }
    return { buckets: buckets.sort((x, y) => x - y), requests };
  }

  it('finds the same buckets as diff when requests are split into chunks', () => {
    const seed = testSeed(6060);
    const rng = new Rng(seed);
    const a = populated(7, 1);
    const b = a.clone();
    for (let e = 0; e < 10; e++) b.insert(inBucket(rng.int(128), 7, 50 + e), `e${e}`, Uint8Array.of(e));
    const expected = diff(a, b).buckets;
    for (const chunk of [1, 3, 1000]) {
      expect(exchange(a, b, chunk).buckets, `${seedNote(seed)} chunk ${chunk}`).toEqual(expected);
    }
  });

  it('stops after the root when the trees agree', () => {
    const a = populated(4, 2);
    const step = compareNodes(a, 0, [0], a.clone().nodes(0, [0]));
    expect(step).toEqual({ depth: 0, differing: [], nodesCompared: 1, buckets: [], next: undefined });
  });

  it('rejects a peer answer of the wrong length as malformed', () => {
    const a = populated(3, 1);
    expect(errorCode(() => compareNodes(a, 1, [0, 1], new Uint8Array(15)))).toBe('malformed');
    expect(errorCode(() => compareNodes(a, 1, [0, 1], new Uint8Array(24)))).toBe('malformed');
    expect(errorCode(() => compareNodes(a, 1, [0, 1], [1, 2] as unknown as Uint8Array))).toBe('malformed');
  });

  it('rejects a request outside the tree as invalid-argument', () => {
    const a = populated(3, 1);
    expect(errorCode(() => compareNodes(a, 4, [0], new Uint8Array(8)))).toBe('invalid-argument');
    expect(errorCode(() => compareNodes(a, 1, [2], new Uint8Array(8)))).toBe('invalid-argument');
  });
});
