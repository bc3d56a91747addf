import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { Cluster, roundsToConverge, spreadRounds } from './cluster.js';

const seed = testSeed(100);

describe('convergence', () => {
  it('100 nodes joining through 3 seeds converge to the same view within a few rounds', () => {
    const rounds = roundsToConverge(seed, 100);
    expect(rounds, `no convergence ${seedNote(seed)}`).toBeDefined();
    // O(log n): log2(100) ≈ 6.6 rounds is the stated bound (measured: about 2).
    expect(rounds as number, seedNote(seed)).toBeLessThanOrEqual(Math.log2(100));
  });

  it('an update spreads to every member in O(log n) rounds: far less than ten times longer at 100 nodes than at 10', () => {
    const small = spreadRounds(seed, 10);
    const large = spreadRounds(seed, 100);
    expect(small, seedNote(seed)).toBeDefined();
    expect(large, seedNote(seed)).toBeDefined();
    expect(large as number, seedNote(seed)).toBeLessThanOrEqual(Math.log2(100));
    // Linear growth would take ten times as long, logarithmic about twice; the bound is halfway.
    expect(large as number, `small ${small}, large ${large} ${seedNote(seed)}`).toBeLessThan(5 * (small as number));
  });

  it('every node ends with the same snapshot: ids, generations, statuses, addresses and vnodes', () => {
    const cluster = new Cluster({ seed, size: 30 });
    cluster.startAll();
    expect(cluster.runUntil(() => cluster.converged(), 60_000), seedNote(seed)).toBeDefined();
    cluster.sim.advance(3_000);
    const strip = (g: ReturnType<Cluster['node']>): string =>
      JSON.stringify(g.snapshot().map(({ heartbeat: _hb, ...rest }) => rest));
    const views = new Set(cluster.running().map(strip));
    expect(views.size, seedNote(seed)).toBe(1);
    expect(cluster.node('n0').snapshot()).toHaveLength(30);
    expect(cluster.eventsOf('joined')).toHaveLength(30 * 29);
  });

  it('the same seed replays the same run event for event, and another seed does not', () => {
    const run = (s: number): string => {
      const cluster = new Cluster({ seed: s, size: 12, link: { latencyMs: 5, jitterMs: 50, lossRate: 0.02 } });
      cluster.startAll();
      cluster.sim.advance(10_000);
      cluster.kill('n5');
      cluster.sim.advance(15_000);
      return cluster.sim.traceHash();
    };
    expect(run(seed), seedNote(seed)).toBe(run(seed));
    expect(run(seed)).not.toBe(run(seed + 1));
  });

  it('a view invariant holds after every step: a node never lists a member twice or itself as anything but its own status', () => {
    const cluster = new Cluster({ seed, size: 10, link: { latencyMs: 2, jitterMs: 30, lossRate: 0.05, duplicateRate: 0.05 } });
    cluster.sim.addInvariant('views are well formed', () => {
      for (const g of cluster.running()) {
        const snap = g.snapshot();
        if (new Set(snap.map((m) => m.id)).size !== snap.length) return `${g.id} lists a member twice`;
        const self = snap.find((m) => m.id === g.id);
        if (self === undefined || self.status === 'suspect' || self.status === 'down') return `${g.id} misjudges itself`;
      }
      return undefined;
    });
    cluster.startAll();
    cluster.sim.advance(8_000);
    cluster.kill('n7');
    cluster.sim.advance(12_000);
    expect(cluster.statusAt('n0', 'n7')).toBe('down');
  });
});
