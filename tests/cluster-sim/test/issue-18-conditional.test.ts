/**
 * Issue 18, conditional writes under simulation: clients race ifAbsent and
 * ifMatch puts while the nemesis faults the cluster (conditional-run.ts).
 * A refused write is never stored; how often a condition was wrongly granted
 * is counted (and printed: the README's figure comes from `pnpm sim
 * --conditions`). SEED= replays one seed.
 */
import { seedNote } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { countGrants, formatConditionRates, runConditionalSeed, zeroConditionCounts, type ConditionCounts } from '../src/index.js';
import { campaignSeeds, sliceTimeoutMs, turn } from './support.js';

function add(into: ConditionCounts, c: ConditionCounts): void {
  for (const k of Object.keys(into) as (keyof ConditionCounts)[]) into[k] += c[k];
}

describe('conditional writes under faults', () => {
  for (const [i, profile] of (['none', 'partitions', 'all'] as const).entries()) {
    it(`${profile}: a refused write is never stored, and wrong grants are counted`, async () => {
      const total = zeroConditionCounts();
      for (const seed of campaignSeeds(1850 + 100 * i, 4)) {
        const r = await runConditionalSeed({ seed, turn, profile });
        expect(r.anomalies, `${seedNote(seed)} profile ${profile}: ${JSON.stringify(r.anomalies.slice(0, 5))}`).toEqual([]);
        expect(r.counts.ifAbsentGranted + r.counts.ifMatchGranted, seedNote(seed)).toBeGreaterThan(0);
        add(total, r.counts);
      }
      console.log(`${profile}: ${formatConditionRates(total)}`);
      expect(total.refused).toBeGreaterThan(0);
    }, sliceTimeoutMs);
  }
});

describe('the wrongly-granted count', () => {
  const w = (key: string, value: string, kind: 'if-absent' | 'if-match', ackedAtMs: number, dot?: [string, number], context: [string, number][] = []) => ({
    key, value, kind, status: 'granted' as const, ackedAtMs, context: context.map(([actor, counter]) => ({ actor, counter, lastModifiedMs: 0 })),
    ...(dot === undefined ? {} : { dot: { actor: dot[0], counter: dot[1] } }),
  });

  it('counts every ifAbsent grant of a key after its first as wrong', () => {
    const c = countGrants([w('a0', 'x', 'if-absent', 1), w('a0', 'y', 'if-absent', 2), w('a0', 'z', 'if-absent', 3), w('a1', 'q', 'if-absent', 1)]);
    expect(c).toMatchObject({ ifAbsentGranted: 4, ifAbsentWronglyGranted: 2 });
  });

  it('counts an ifMatch grant concurrent with an earlier one as wrong, and a causal chain as right', () => {
    const chain = countGrants([w('m0', 'x', 'if-match', 1, ['n1', 1]), w('m0', 'y', 'if-match', 2, ['n1', 2], [['n1', 1]])]);
    expect(chain).toMatchObject({ ifMatchGranted: 2, ifMatchWronglyGranted: 0 });
    const race = countGrants([w('m0', 'x', 'if-match', 1, ['n1', 2], [['n1', 1]]), w('m0', 'y', 'if-match', 2, ['n2', 1], [['n1', 1]])]);
    expect(race).toMatchObject({ ifMatchGranted: 2, ifMatchWronglyGranted: 1 });
  });
});
