import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { Cluster } from './cluster.js';

const seed = testSeed(4242);

function steadyCluster(size: number, settings = {}): Cluster {
  const cluster = new Cluster({ seed, size, settings });
  cluster.startAll();
  expect(cluster.runUntil(() => cluster.converged(), 60_000), `no convergence ${seedNote(seed)}`).toBeDefined();
  return cluster;
}

describe('remove (announcing another member left)', () => {
  it('a dead member removed by one node is reported left everywhere and then forgotten', () => {
    const cluster = steadyCluster(6, { leftRetentionMs: 20_000 });
    cluster.kill('n4');
    cluster.sim.advance(20_000);
    expect(cluster.statusAt('n0', 'n4')).toBe('down');
    const t0 = cluster.sim.clock.now();
    expect(cluster.node('n1').remove('n4')).toBe(true);
    const others = cluster.ids().filter((id) => id !== 'n4');
    expect(cluster.runUntil(() => others.every((o) => cluster.statusAt(o, 'n4') === 'left'), 10_000), seedNote(seed)).toBeDefined();
    expect(cluster.eventsOf('left', t0, 'n4')).toHaveLength(5);
    cluster.sim.advance(30_000);
    expect(others.every((o) => cluster.node(o).member('n4') === undefined), seedNote(seed)).toBe(true);
  });

  it('a live member that is removed learns it, emits removed and stops gossiping', () => {
    const cluster = steadyCluster(5);
    const t0 = cluster.sim.clock.now();
    cluster.node('n0').remove('n3');
    cluster.sim.advance(15_000);
    expect(cluster.events.filter((r) => r.node === 'n3' && r.event.type === 'removed' && r.atMs >= t0), seedNote(seed)).toHaveLength(1);
    expect(cluster.node('n3').isRunning()).toBe(false);
    expect(['n0', 'n1', 'n2', 'n4'].every((o) => cluster.statusAt(o, 'n3') === 'left' || cluster.node(o).member('n3') === undefined), seedNote(seed)).toBe(true);
  });

  it('a removed member that restarts with a higher generation is accepted as a member again', () => {
    const cluster = steadyCluster(5, { leftRetentionMs: 10_000 });
    cluster.kill('n2');
    cluster.sim.advance(15_000);
    cluster.node('n0').remove('n2');
    cluster.sim.advance(5_000);
    cluster.start('n2');
    expect(cluster.runUntil(() => cluster.converged(), 30_000), seedNote(seed)).toBeDefined();
  });

  it('refuses to remove an unknown member or itself', () => {
    const cluster = steadyCluster(3);
    expect(cluster.node('n0').remove('nobody')).toBe(false);
    expect(cluster.node('n0').remove('n0')).toBe(false);
  });
});

describe('own status changes', () => {
  it('a snapshot taken during the changed event of a joining member turning normal already shows it normal', () => {
    const cluster = new Cluster({ seed, size: 4 });
    cluster.startAll(['n0', 'n1', 'n2']);
    cluster.start('n3', { initialStatus: 'joining' });
    expect(cluster.runUntil(() => cluster.statusAt('n0', 'n3') === 'joining', 20_000), seedNote(seed)).toBeDefined();
    const seen: string[] = [];
    cluster.node('n0').on((e) => {
      if (e.type === 'changed' && e.member.id === 'n3') seen.push(`${e.member.status}/${cluster.node('n0').member('n3')?.status}`);
    });
    cluster.node('n3').setStatus('normal');
    expect(cluster.runUntil(() => seen.length > 0, 20_000), seedNote(seed)).toBeDefined();
    expect(seen[0]).toBe('normal/normal');
  });
});
