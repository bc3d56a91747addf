/**
 * Regression (issue 14, found by the multi-DC simulation): with a replication
 * map, one of a node's ring ranges (same place in the preference list
 * throughout) can span several replica groups, because another DC's replicas
 * change inside it. `ReplicaTrees.groups()` took one group per range, so a
 * node kept no tree of some groups it belongs to and anti-entropy never
 * compared them: a multi-DC cluster with no fault at all failed the
 * simulation's merkle check. Every group of every key that holds the node
 * must be among its groups.
 */
import { HashRing } from '@ringkv/hashring';
import { describe, expect, it } from 'vitest';
import { ReplicaTrees } from '../../src/anti-entropy/trees.js';
import { MemoryEngine } from '../support/memory-engine.js';

const replicas = { dc1: 2, dc2: 2 };
let ring = new HashRing({ vnodes: 8 });
for (let i = 1; i <= 6; i++) ring = ring.addNode({ id: `n${i}`, dc: `dc${((i - 1) % 2) + 1}`, machine: `m${i}` });

describe('replica trees with a replication map', () => {
  it('name every replica group a node belongs to', () => {
    for (const self of ring.nodes().map((n) => n.id)) {
      const groups = new Set(new ReplicaTrees({ selfId: self, n: replicas, ring: () => ring, engine: new MemoryEngine('/t', new Map()), bucketsLog2: 4 }).groups());
      const missing = new Set<string>();
      for (let k = 0; k < 5_000; k++) {
        const list = ring.preferenceList(`key-${k}`, replicas);
        const group = [...list].sort().join(',');
        if (list.includes(self) && !groups.has(group)) missing.add(group);
      }
      expect([...missing], self).toEqual([]);
    }
  });
});
