import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { runScenario } from './support/scenario.js';

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
