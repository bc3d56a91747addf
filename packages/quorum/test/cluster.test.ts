import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { values } from '@ringkv/vclock';
import { advance, settle } from './support/drive.js';
import { runScenario } from './support/scenario.js';
import { SimCluster } from './support/sim-cluster.js';

const seedsCount = Number(process.env['QUORUM_SEEDS'] ?? 50);

describe('a simulated cluster under kills, restarts, partitions and loss', () => {
  it('after healing and hint replay every ok write is readable at R=N and the replicas agree, over many seeds', async () => {
    const base = testSeed(6000);
    const single = process.env['SEED'] !== undefined;
    let ok = 0;
    let replayed = 0;
    for (let i = 0; i < (single ? 1 : seedsCount); i++) {
      const seed = base + i;
      const report = await runScenario(seed);
      expect(report.ok, `no write succeeded ${seedNote(seed)}`).toBeGreaterThan(0);
      ok += report.ok;
      replayed += report.hintsReplayed;
    }
    expect(replayed).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(0);
  });

  it('strict mode keeps the same guarantees (fewer seeds: it shares every code path but planning)', async () => {
    const base = testSeed(7000);
    const count = process.env['SEED'] !== undefined ? 1 : Math.max(1, Math.floor(seedsCount / 5));
    let refused = 0;
    for (let i = 0; i < count; i++) {
      const report = await runScenario(base + i, { mode: 'strict' });
      refused += report.notMet;
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('a three-node cluster with one node killed', () => {
  it('keeps writing and reading at W=2/R=2, and the returning node receives every write by hints alone', async () => {
    const seed = testSeed(8100);
    const cluster = new SimCluster({ seed, size: 3, defaults: { timeoutMs: 1_000 } });
    cluster.startAll();
    await advance(cluster, 3_000);
    cluster.kill('n2');
    await advance(cluster, 5_000); // gossip declares n2 down
    const keys = Array.from({ length: 20 }, (_, i) => `key${i}`);
    for (const key of keys) {
      const write = await settle(cluster, cluster.node('n0').coordinator.put(key, `v-${key}`));
      expect(write.status, seedNote(seed)).toBe('ok');
      expect(write.receipt!.localHints, seedNote(seed)).toEqual(['n2']);
      const read = await settle(cluster, cluster.node('n1').coordinator.get(key));
      expect(read.status === 'ok' && read.found, seedNote(seed)).toBe(true);
    }
    expect(cluster.stored('n2', 'key0').entries, seedNote(seed)).toEqual([]);
    cluster.start('n2');
    await advance(cluster, 15_000);
    for (const key of keys) expect(values(cluster.stored('n2', key)).map((s) => (s.tombstone ? '' : s.value)), seedNote(seed)).toEqual([`v-${key}`]);
    expect(await cluster.hintsPending(), seedNote(seed)).toBe(0);
  });
});

describe('replay', () => {
  it('the same seed gives the same run, event for event', async () => {
    const seed = testSeed(9100);
    const [a, b] = [await runScenario(seed, { chaosMs: 5_000 }), await runScenario(seed, { chaosMs: 5_000 })];
    expect(b.traceHash, seedNote(seed)).toBe(a.traceHash);
    expect(b.writes.map((w) => w.result?.status)).toEqual(a.writes.map((w) => w.result?.status));
  });
});
