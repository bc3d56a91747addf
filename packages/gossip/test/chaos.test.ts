import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { Cluster } from './cluster.js';

const baseSeed = testSeed(9001);

/**
 * Random faults for two simulated minutes (partitions, one-way cuts, lossy
 * links, crashes and restarts of non-seed nodes), then everything heals. After
 * that every running node must agree: the running nodes normal, the crashed
 * ones down, at their latest generations.
 */
function chaos(seed: number): void {
  const cluster = new Cluster({ seed, size: 12, link: { latencyMs: 5, jitterMs: 100, lossRate: 0.02, duplicateRate: 0.02 } });
  const rng = cluster.sim.fork('chaos');
  const ids = cluster.ids();
  const victims = ids.slice(3);
  const dead = new Set<string>();
  cluster.sim.addInvariant('no node misjudges itself', () => {
    for (const g of cluster.running()) {
      const self = g.member(g.id);
      if (self === undefined || self.status === 'suspect' || self.status === 'down') return `${g.id} misjudges itself`;
    }
    return undefined;
  });
  cluster.startAll();
  cluster.sim.advance(10_000);
  for (let step = 0; step < 24; step++) {
    const action = rng.int(6);
    if (action === 0) cluster.sim.network.partition(...splitRandomly(rng.shuffle(ids), rng.between(1, ids.length - 1)));
    else if (action === 1) cluster.sim.network.cutLink(rng.pick(ids), rng.pick(ids));
    else if (action === 2) cluster.sim.network.setLinkBoth(rng.pick(ids), rng.pick(ids), { lossRate: 0.5 });
    else if (action === 3) cluster.sim.network.heal();
    else if (action === 4) {
      const v = rng.pick(victims);
      if (!dead.has(v)) {
        cluster.kill(v);
        dead.add(v);
      }
    } else {
      const v = rng.pick(victims);
      if (dead.has(v)) {
        cluster.start(v);
        dead.delete(v);
      }
    }
    cluster.sim.advance(rng.between(1_000, 8_000));
  }
  cluster.sim.network.heal();
  cluster.sim.network.resetLinks();
  const settled = cluster.runUntil(
    () =>
      cluster.sameView() &&
      cluster.running().every((g) =>
        g.snapshot().every((m) => (dead.has(m.id) ? m.status === 'down' : m.status === 'normal')),
      ),
    120_000,
    500,
  );
  const where = `dead ${[...dead].join(',')}; last trace lines:\n${cluster.sim.traceTail().slice(-15).join('\n')}\n${seedNote(seed)}`;
  expect(settled, `cluster did not settle; ${where}`).toBeDefined();
  // The faults must have bitten, or the run proves nothing.
  expect(cluster.eventsOf('suspect').length + cluster.eventsOf('down').length, seedNote(seed)).toBeGreaterThan(0);
}

function splitRandomly(shuffled: string[], at: number): [string[], string[]] {
  return [shuffled.slice(0, at), shuffled.slice(at)];
}

describe('chaos', () => {
  for (let k = 0; k < 4; k++) {
    it(`after random partitions, cuts, losses, crashes and restarts heal, every node agrees on who is up and down (run ${k})`, () => {
      chaos(baseSeed + k);
    });
  }
});
