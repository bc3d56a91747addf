/**
 * Determinism (issue 8): the same seed gives the same trace, line for line,
 * hence the same trace hash; different seeds give different traces.
 */
import { seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { profileNames, runSeed } from '../src/index.js';
import { turn } from './support.js';

const base = testSeed(7_100);

describe('determinism', () => {
  it('runs a sample of seeds twice, across the profiles, with equal trace hashes and equal reports', async () => {
    for (const [i, profile] of profileNames.entries()) {
      const seed = base + i;
      const a = await runSeed({ seed, turn, profile });
      const b = await runSeed({ seed, turn, profile });
      expect(b.traceHash, `${profile} ${seedNote(seed)}`).toBe(a.traceHash);
      expect(b.traceLines, seedNote(seed)).toBe(a.traceLines);
      expect({ ...b, traceTail: [] }, seedNote(seed)).toEqual({ ...a, traceTail: [] });
      expect(a.traceLines, seedNote(seed)).toBeGreaterThan(1_000);
    }
  });

  it('gives different seeds different traces', async () => {
    const a = await runSeed({ seed: base, turn, profile: 'all' });
    const b = await runSeed({ seed: base + 1_000, turn, profile: 'all' });
    expect(a.traceHash, seedNote(base)).not.toBe(b.traceHash);
  });
});
