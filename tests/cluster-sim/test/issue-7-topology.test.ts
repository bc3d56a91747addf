/**
 * Issue 7, topology under simulation: a node joins (streaming the ranges it
 * gains) and another leaves (streaming its ranges away) while clients run the
 * set workload; afterwards no acknowledged element is lost and the replicas
 * of the new ring agree.
 */
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { checkConvergence, checkHints, checkMerkle, checkSet, repairRound, runWorkload, SimCluster, type History } from '../src/index.js';
import { turn } from './support.js';

const seed = testSeed(7_700);

describe('issue 7: joins and leaves under simulation', () => {
  it('a join and a leave during a write workload lose no acknowledged write', async () => {
    const cluster = new SimCluster({ seed, nodes: 5, joiners: 1, clients: 3, turn });
    expect(await cluster.start(), seedNote(seed)).toBe(true);
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    let history: History | undefined;
    void runWorkload(cluster, 'set', keys, 40, cluster.sim.fork('workload')).then((h) => (history = h));
    await cluster.runFor(1_000);
    const joiner = cluster.node('n5');
    joiner.joinOnStart();
    void joiner.start();
    await cluster.runFor(2_000);
    const leaving = cluster.node('n2');
    const left = leaving.core.topology.leave();
    expect(left.ok, seedNote(seed)).toBe(true);
    const done = await cluster.runUntil(
      () => history !== undefined && leaving.left && cluster.running().every((n) => n.core.cluster.view.ring.size === 4 && n.core.cluster.view.down.size === 0 && n.core.topology.status().self === 'normal'),
      120_000,
    );
    expect({ done, workload: history !== undefined, left: leaving.left, joined: joiner.isUp }, seedNote(seed)).toEqual({ done: true, workload: true, left: true, joined: true });
    const h = history as unknown as History;
    expect(h.writes.filter((w) => w.status === 'ok').length, seedNote(seed)).toBeGreaterThan(50);
    for (let i = 0; i < 2; i++) {
      await repairRound(cluster);
      await cluster.runFor(1_000);
    }
    expect([...checkSet(cluster, h), ...checkConvergence(cluster, keys), ...checkMerkle(cluster), ...checkHints(cluster)], seedNote(seed)).toEqual([]);
    cluster.stop();
  });
});
