/**
 * Regression (found by the whole-cluster simulation, tests/cluster-sim,
 * join and leave under a write workload): a tree build that finished while a
 * write batch was in flight skipped the in-flight key (trees.ts invariant 4)
 * and then forgot it was skipped, so the write hook applied "old → new" to a
 * tree that held nothing for the key: `MerkleError bucket-empty` thrown from
 * the store's commit (the batch's writes were never acknowledged) or a wrong
 * tree.
 */
import { HashRing } from '@ringkv/hashring';
import { versionDigest } from '@ringkv/merkle';
import { describe, expect, it } from 'vitest';
import { ReplicaTrees } from '../../src/anti-entropy/trees.js';
import { storageKey } from '../../src/store/keys.js';
import { MemoryEngine } from '../support/memory-engine.js';

const enc = new TextEncoder();
const ring = new HashRing({ vnodes: 16 }).addNode('a').addNode('b').addNode('c');

function trees(engine: MemoryEngine): ReplicaTrees {
  return new ReplicaTrees({ selfId: 'a', n: 3, ring: () => ring, engine, bucketsLog2: 8 });
}

function roots(t: ReplicaTrees): string[] {
  return t.groups().map((g) => `${g}=${t.tree(g).root()}`);
}

describe('tree rebuild with a write in flight', () => {
  it('a rebuild that finishes while a write is in flight keeps the tree exact when the write lands', async () => {
    const engine = new MemoryEngine('rebuild-in-flight', new Map());
    const key = storageKey('k');
    const v0 = enc.encode('set-0');
    const v1 = enc.encode('set-1');
    await engine.batch([{ type: 'put', key, value: v0 }]);
    const t = trees(engine);
    t.rebuild();
    t.intent([key]); // the store announced a batch writing k
    t.invalidate(); // a ring change
    expect(roots(t)).toHaveLength(1); // rebuilds now, skipping the in-flight k
    await engine.batch([{ type: 'put', key, value: v1 }]);
    expect(() => t.observe(key, v0, v1)).not.toThrow();
    const fresh = trees(engine);
    fresh.rebuild();
    expect(roots(t)).toEqual(roots(fresh));
    expect(versionDigest(v1)).not.toEqual(versionDigest(v0));
  });
});
