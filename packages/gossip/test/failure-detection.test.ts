import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { suspectTimeoutMsDefault } from '@ringkv/gossip';
import { Cluster } from './cluster.js';

const seed = testSeed(404);

/**
 * The stated detection bound: every live node declares a crashed member down
 * within the suspicion timeout plus three rounds (the last heartbeat's spread,
 * the round granularity of the check, and the spread of a second report).
 */
const detectionBoundMs = suspectTimeoutMsDefault + 3 * 1_000;

function steadyCluster(size: number, runSeed = seed): Cluster {
  const cluster = new Cluster({ seed: runSeed, size });
  cluster.startAll();
  const elapsed = cluster.runUntil(() => cluster.converged(), 60_000);
  expect(elapsed, `no convergence ${seedNote(runSeed)}`).toBeDefined();
  cluster.sim.advance(5_000);
  return cluster;
}

describe('failure detection', () => {
  it('every live node of 50 declares a killed node down within the timeout plus three rounds, and nobody else', () => {
    const cluster = steadyCluster(50);
    const killedAt = cluster.sim.clock.now();
    cluster.kill('n17');
    const others = cluster.ids().filter((id) => id !== 'n17');
    const elapsed = cluster.runUntil(() => others.every((o) => cluster.statusAt(o, 'n17') === 'down'), 60_000, 50);
    expect(elapsed, `not down everywhere ${seedNote(seed)}`).toBeDefined();
    expect(elapsed as number, seedNote(seed)).toBeLessThanOrEqual(detectionBoundMs);
    const downs = cluster.eventsOf('down', killedAt);
    expect(downs.every((r) => r.event.type === 'down' && r.event.member.id === 'n17'), seedNote(seed)).toBe(true);
    expect(downs).toHaveLength(49);
    // A crash is not noticed before the timeout: nobody suspects earlier than it.
    const firstSuspicion = Math.min(...cluster.eventsOf('suspect', killedAt, 'n17').map((r) => r.atMs));
    expect(firstSuspicion - killedAt, seedNote(seed)).toBeGreaterThan(suspectTimeoutMsDefault - 1_000);
  });

  it('a down event names at least two distinct reporters', () => {
    const cluster = steadyCluster(12);
    const t0 = cluster.sim.clock.now();
    cluster.kill('n4');
    cluster.sim.advance(15_000);
    const downs = cluster.eventsOf('down', t0, 'n4');
    expect(downs).toHaveLength(11);
    for (const r of downs) {
      if (r.event.type !== 'down') continue;
      expect(new Set(r.event.reporters).size, seedNote(seed)).toBeGreaterThanOrEqual(2);
    }
  });

  it('a node that loses touch with one peer does not get that peer declared down anywhere', () => {
    const cluster = steadyCluster(20);
    const t0 = cluster.sim.clock.now();
    cluster.sim.network.cutLink('n3', 'n9');
    cluster.sim.network.cutLink('n9', 'n3');
    cluster.sim.advance(120_000);
    expect(cluster.eventsOf('down', t0), seedNote(seed)).toEqual([]);
    expect(cluster.running().every((g) => g.member('n9')?.status === 'normal')).toBe(true);
  });

  it('one over-eager reporter suspecting everyone gets nobody declared down (the two-reporter rule)', () => {
    const cluster = new Cluster({ seed, size: 15 });
    cluster.startAll(cluster.ids().filter((id) => id !== 'n6'));
    // n6 suspects any member whose heartbeat it has not seen advance for 300 ms: most of the time, everyone.
    cluster.start('n6', { suspectTimeoutMs: 300 });
    cluster.runUntil(() => cluster.eventsOf('suspect').some((r) => r.node === 'n6'), 30_000);
    const t0 = cluster.sim.clock.now();
    cluster.sim.advance(60_000);
    const eager = cluster.node('n6').stats().suspicionsRaised;
    expect(eager, `n6 should keep suspecting ${seedNote(seed)}`).toBeGreaterThan(100);
    const downsElsewhere = cluster.eventsOf('down', t0).filter((r) => r.node !== 'n6');
    expect(downsElsewhere, seedNote(seed)).toEqual([]);
  });

  it('two over-eager reporters are enough to declare a live member down elsewhere, so the rule is exactly two', () => {
    const cluster = new Cluster({ seed, size: 15 });
    cluster.startAll(cluster.ids().filter((id) => id !== 'n6' && id !== 'n7'));
    cluster.start('n6', { suspectTimeoutMs: 300 });
    cluster.start('n7', { suspectTimeoutMs: 300 });
    cluster.sim.advance(60_000);
    const downsElsewhere = cluster.eventsOf('down').filter((r) => r.node !== 'n6' && r.node !== 'n7');
    expect(downsElsewhere.length, seedNote(seed)).toBeGreaterThan(0);
  });

  it('in a two-node cluster the one other member is enough to declare a crashed node down', () => {
    const cluster = new Cluster({ seed, size: 2, seedCount: 1 });
    cluster.startAll();
    cluster.runUntil(() => cluster.converged(), 30_000);
    cluster.kill('n1');
    const elapsed = cluster.runUntil(() => cluster.statusAt('n0', 'n1') === 'down', 60_000, 50);
    expect(elapsed, seedNote(seed)).toBeDefined();
    expect(elapsed as number).toBeLessThanOrEqual(detectionBoundMs);
  });

  it('in a three-node cluster an isolated node is declared down by the other two, and sees them down itself', () => {
    const cluster = steadyCluster(3);
    cluster.sim.network.isolate('n2');
    cluster.sim.advance(20_000);
    expect(cluster.statusAt('n0', 'n2')).toBe('down');
    expect(cluster.statusAt('n1', 'n2')).toBe('down');
    expect(cluster.statusAt('n0', 'n1')).toBe('normal');
    expect(cluster.statusAt('n2', 'n0')).toBe('down');
    cluster.sim.network.heal();
    const healed = cluster.runUntil(() => cluster.converged(), 30_000);
    expect(healed, seedNote(seed)).toBeDefined();
  });

  it('after a node crashes the two-node survivor count drops and a second crash is still detected', () => {
    const cluster = steadyCluster(3);
    cluster.kill('n2');
    cluster.sim.advance(15_000);
    cluster.kill('n1');
    const elapsed = cluster.runUntil(() => cluster.statusAt('n0', 'n1') === 'down', 60_000, 50);
    expect(elapsed, seedNote(seed)).toBeDefined();
  });
});
