import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { Cluster } from './cluster.js';

const seed = testSeed(2718);

function steadyCluster(size: number, settings = {}): Cluster {
  const cluster = new Cluster({ seed, size, settings });
  cluster.startAll();
  expect(cluster.runUntil(() => cluster.converged(), 60_000), `no convergence ${seedNote(seed)}`).toBeDefined();
  cluster.sim.advance(5_000);
  return cluster;
}

describe('partitions', () => {
  it('a partition into halves makes each side mark the other down, and healing clears every mark', () => {
    const cluster = steadyCluster(20);
    const ids = cluster.ids();
    const left = ids.slice(0, 10);
    const right = ids.slice(10);
    cluster.sim.network.partition(left, right);
    const split = cluster.runUntil(
      () =>
        left.every((a) => right.every((b) => cluster.statusAt(a, b) === 'down' && cluster.statusAt(b, a) === 'down')) &&
        left.every((a) => left.every((b) => cluster.statusAt(a, b) === 'normal')) &&
        right.every((a) => right.every((b) => cluster.statusAt(a, b) === 'normal')),
      60_000,
    );
    expect(split, `sides did not mark each other down ${seedNote(seed)}`).toBeDefined();
    const healedAt = cluster.sim.clock.now();
    cluster.sim.network.heal();
    const healed = cluster.runUntil(() => cluster.converged(), 60_000);
    expect(healed, `marks not cleared after healing ${seedNote(seed)}`).toBeDefined();
    // Every node saw every member of the other side come up again.
    expect(cluster.eventsOf('up', healedAt)).toHaveLength(2 * 10 * 10);
    expect(cluster.sameView()).toBe(true);
  });

  it('a one-way cut into a node (it can send, not receive) gets that node declared down, and nobody else', () => {
    const cluster = steadyCluster(10);
    const t0 = cluster.sim.clock.now();
    for (const id of cluster.ids()) if (id !== 'n4') cluster.sim.network.cutLink(id, 'n4');
    cluster.sim.advance(30_000);
    const downs = cluster.eventsOf('down', t0).filter((r) => r.node !== 'n4');
    expect(downs.length, seedNote(seed)).toBe(9);
    expect(downs.every((r) => r.event.type === 'down' && r.event.member.id === 'n4')).toBe(true);
  });
});

describe('isolation', () => {
  it('an isolated node keeps probing the members it lost every round, not only its seeds with backoff', () => {
    const cluster = new Cluster({ seed, size: 4, seedCount: 1 });
    cluster.startAll();
    expect(cluster.runUntil(() => cluster.converged(), 30_000), seedNote(seed)).toBeDefined();
    cluster.sim.network.isolate('n3');
    cluster.sim.advance(15_000);
    const before = cluster.node('n3').stats().messagesSent;
    cluster.sim.advance(30_000);
    const sent = cluster.node('n3').stats().messagesSent - before;
    // Seeds alone, backing off 1, 2, 4, 8, 16 s, would be about 5 messages in 30 s.
    expect(sent, seedNote(seed)).toBeGreaterThanOrEqual(25);
    cluster.sim.network.heal();
    expect(cluster.runUntil(() => cluster.converged(), 30_000), seedNote(seed)).toBeDefined();
  });
});

describe('restarts', () => {
  it('a node restarted with a new generation is recognised as up at once, long before any timeout', () => {
    const cluster = steadyCluster(30);
    cluster.kill('n12');
    cluster.sim.advance(20_000);
    expect(cluster.statusAt('n0', 'n12')).toBe('down');
    const restartedAt = cluster.sim.clock.now();
    cluster.start('n12');
    const elapsed = cluster.runUntil(
      () => cluster.running().every((g) => g.member('n12')?.generation === 2 && g.member('n12')?.status === 'normal'),
      30_000,
      50,
    );
    expect(elapsed, seedNote(seed)).toBeDefined();
    expect(elapsed as number, seedNote(seed)).toBeLessThan(4_000);
    const ups = cluster.eventsOf('up', restartedAt, 'n12');
    expect(ups).toHaveLength(29);
    expect(ups.every((r) => r.event.type === 'up' && r.event.restarted)).toBe(true);
  });

  it('a quick restart within the timeout is reported as up with restarted, never as down', () => {
    const cluster = steadyCluster(10);
    const t0 = cluster.sim.clock.now();
    cluster.kill('n3');
    cluster.sim.advance(1_500);
    cluster.start('n3');
    cluster.sim.advance(20_000);
    expect(cluster.eventsOf('down', t0), seedNote(seed)).toEqual([]);
    expect(cluster.eventsOf('up', t0, 'n3')).toHaveLength(9);
    expect(cluster.converged()).toBe(true);
  });
});

describe('graceful leave', () => {
  it('a leaving node is reported left everywhere, never suspected or down, and forgotten after the retention', () => {
    const cluster = steadyCluster(12, { leftRetentionMs: 30_000 });
    const t0 = cluster.sim.clock.now();
    cluster.node('n5').leave();
    cluster.sim.advance(10_000);
    expect(cluster.node('n5').isRunning()).toBe(false);
    const others = cluster.ids().filter((id) => id !== 'n5');
    expect(others.every((o) => cluster.statusAt(o, 'n5') === 'left'), seedNote(seed)).toBe(true);
    expect(cluster.eventsOf('left', t0, 'n5')).toHaveLength(11);
    cluster.sim.advance(40_000);
    expect(cluster.eventsOf('suspect', t0), seedNote(seed)).toEqual([]);
    expect(cluster.eventsOf('down', t0)).toEqual([]);
    expect(others.every((o) => cluster.node(o).member('n5') === undefined), seedNote(seed)).toBe(true);
    expect(cluster.events.filter((r) => r.event.type === 'forgotten' && r.atMs >= t0)).toHaveLength(11);
    expect(cluster.converged(others)).toBe(true);
  });

  it('a member that left and restarts before it is forgotten is not forgotten afterwards', () => {
    const cluster = steadyCluster(6, { leftRetentionMs: 10_000 });
    cluster.node('n2').leave();
    cluster.sim.advance(5_000);
    expect(cluster.statusAt('n0', 'n2')).toBe('left');
    const t0 = cluster.sim.clock.now();
    cluster.start('n2');
    cluster.sim.advance(30_000);
    expect(cluster.converged(), seedNote(seed)).toBe(true);
    expect(cluster.events.filter((r) => r.event.type === 'forgotten' && r.atMs >= t0), seedNote(seed)).toEqual([]);
    expect(cluster.eventsOf('up', t0, 'n2')).toHaveLength(5);
  });

  it('a left member that rejoins with a new generation is a member again', () => {
    const cluster = steadyCluster(6, { leftRetentionMs: 10_000 });
    cluster.node('n2').leave();
    cluster.sim.advance(30_000);
    const t0 = cluster.sim.clock.now();
    cluster.start('n2');
    expect(cluster.runUntil(() => cluster.converged(), 30_000), seedNote(seed)).toBeDefined();
    expect(cluster.eventsOf('joined', t0, 'n2')).toHaveLength(5);
  });
});

describe('joining through seeds', () => {
  it('a node whose seeds do not answer says so and retries with growing waits, then joins when one comes up', () => {
    const cluster = new Cluster({ seed, size: 4, seedCount: 1 });
    cluster.startAll(['n3']);
    cluster.sim.advance(60_000);
    const reports = cluster.eventsOf('seeds-unreachable');
    expect(reports.length, seedNote(seed)).toBeGreaterThanOrEqual(3);
    const waits = reports.map((r) => (r.event.type === 'seeds-unreachable' ? r.event.retryInMs : 0));
    expect(waits.at(-1) as number).toBeGreaterThan(waits[0] as number);
    expect(reports.map((r) => (r.event.type === 'seeds-unreachable' ? r.event.attempts : 0))).toEqual(reports.map((_, i) => i + 1));
    cluster.startAll(['n0', 'n1', 'n2']);
    expect(cluster.runUntil(() => cluster.converged(), 60_000), seedNote(seed)).toBeDefined();
  });

  it('members learn a peer’s changed weight and zone and emit changed', () => {
    const cluster = steadyCluster(8);
    const t0 = cluster.sim.clock.now();
    cluster.node('n3').update({ weight: 3, zone: 'eu-1' });
    cluster.sim.advance(10_000);
    const changes = cluster.eventsOf('changed', t0, 'n3');
    expect(changes).toHaveLength(7);
    for (const r of changes) {
      if (r.event.type !== 'changed') continue;
      expect([...r.event.fields].sort()).toEqual(['weight', 'zone']);
      expect(r.event.member).toMatchObject({ weight: 3, zone: 'eu-1' });
    }
  });

  it('members learn a peer’s changed meta text and emit changed with field meta', () => {
    const cluster = steadyCluster(8);
    const t0 = cluster.sim.clock.now();
    cluster.node('n2').update({ meta: 'n=3 r=2 w=2' });
    cluster.sim.advance(10_000);
    const changes = cluster.eventsOf('changed', t0, 'n2');
    expect(changes, seedNote(seed)).toHaveLength(7);
    for (const r of changes) if (r.event.type === 'changed') expect(r.event.fields).toEqual(['meta']);
    for (const id of ['n0', 'n5', 'n7']) expect(cluster.node(id).member('n2')?.meta, id).toBe('n=3 r=2 w=2');
  });
});
