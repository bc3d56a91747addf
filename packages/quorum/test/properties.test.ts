import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seedNote, testSeed } from '@ringkv/sim';
import { values } from '@ringkv/vclock';
import { advance, settle } from './support/drive.js';
import { FakeCluster } from './support/fake-cluster.js';
import { SimCluster } from './support/sim-cluster.js';

const ids = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];

describe('strict and sloppy quorums', () => {
  it('strict mode refuses a write exactly when fewer than W primaries are up, and then sends nothing', async () => {
    const seed = testSeed(4242);
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(ids),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.string({ minLength: 1, maxLength: 8 }),
        async (down, n, wRaw, key) => {
          const w = Math.min(wRaw, n);
          const c = new FakeCluster(ids);
          const primaries = c.preference(key, n);
          const coordinatorId = primaries.find((p) => !down.includes(p));
          if (coordinatorId === undefined) return; // no primary left to coordinate
          c.down = new Set(down);
          const up = primaries.filter((p) => !down.includes(p)).length;
          const result = await settle(c, c.coordinator(coordinatorId, { mode: 'strict' }).put(key, 'v', { n, w }));
          const refused = result.status === 'quorum-not-met' && result.reason === 'too-few-replicas';
          expect(refused, `up=${up} w=${w} ${seedNote(seed)}`).toBe(up < w);
          if (refused) expect(c.calls).toEqual([]);
          else expect(result.status).toBe('ok');
          if (!refused) expect(result.receipt!.replicas.every((r) => r.role === 'primary')).toBe(true);
        },
      ),
      { seed, numRuns: 150 },
    );
  });

  it('strict mode refuses a read exactly when fewer than R primaries are up; sloppy only when fewer than R nodes are', async () => {
    const seed = testSeed(4343);
    await fc.assert(
      fc.asyncProperty(fc.subarray(ids), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), async (down, n, rRaw) => {
        const r = Math.min(rRaw, n);
        const c = new FakeCluster(ids);
        c.down = new Set(down);
        const primaries = c.preference('key', n);
        // The coordinator never counts itself as down.
        const upPrimaries = primaries.filter((p) => p === 'n0' || !down.includes(p)).length;
        const strict = await settle(c, c.coordinator('n0', { mode: 'strict' }).get('key', { n, r }));
        expect(strict.status === 'quorum-not-met', `strict up=${upPrimaries} r=${r} ${seedNote(seed)}`).toBe(upPrimaries < r);
        const healthy = ids.length - down.filter((d) => d !== 'n0').length;
        const sloppy = await settle(c, c.coordinator('n0').get('key', { n, r }));
        expect(sloppy.status === 'quorum-not-met', `sloppy healthy=${healthy} r=${r} ${seedNote(seed)}`).toBe(Math.min(n, healthy) < r);
      }),
      { seed, numRuns: 150 },
    );
  });
});

describe('concurrent writers', () => {
  it('two clients writing with the same context on opposite sides of a partition both survive as siblings', async () => {
    const base = testSeed(5100);
    for (let i = 0; i < (process.env['SEED'] !== undefined ? 1 : 10); i++) {
      const seed = base + i;
      const cluster = new SimCluster({ seed, size: 5, liveness: 'oracle', defaults: { timeoutMs: 500 } });
      cluster.startAll();
      const key = `doc:${seed}`;
      const [p0, p1, p2] = cluster.ring.preferenceList(key, 3) as [string, string, string];
      const base0 = await settle(cluster, cluster.node(p0).coordinator.put(key, 'base', { w: 3 }));
      expect(base0.status, seedNote(seed)).toBe('ok');
      const read = await settle(cluster, cluster.node(p0).coordinator.get(key, { r: 3 }));
      const ctx = read.status === 'ok' ? read.context : [];
      const others = cluster.ids.filter((id) => id !== p0 && id !== p1);
      cluster.sim.network.partition([p0], others);
      for (const id of others) cluster.oracleDown.add(id);
      const [a, b] = await settle(
        cluster,
        Promise.all([cluster.node(p0).coordinator.put(key, 'alice', { context: ctx, w: 1 }), cluster.node(p2).coordinator.put(key, 'bob', { context: ctx, w: 2 })]),
      );
      cluster.oracleDown.clear();
      expect([a.status, b.status], seedNote(seed)).toEqual(['ok', 'ok']);
      cluster.sim.network.heal();
      await advance(cluster, 5_000);
      const final = await settle(cluster, cluster.node(p1).coordinator.get(key, { r: 3 }));
      expect(final.status === 'ok' && final.siblings.map((s) => (s.tombstone ? '' : s.value)).sort(), seedNote(seed)).toEqual(['alice', 'bob']);
      await advance(cluster, 1_000);
      for (const id of [p0, p1, p2]) expect(values(cluster.stored(id, key)).length, seedNote(seed)).toBe(2);
    }
  });
});
