/**
 * Issue 18, expiry under simulation: nodes with skewed clocks (fixed
 * offsets from the seed), puts with a ttl read back through random nodes.
 * No read returns a value its coordinator's clock says expired, none misses
 * one its clock says is live, and once quiet no node returns any (ttl-run.ts).
 * SEED= replays one seed.
 */
import { seedNote } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { runTtlSeed, ttlFailureSummary, type TtlReport } from '../src/index.js';
import { campaignSeeds, sliceTimeoutMs, turn } from './support.js';

describe('expiry with skewed clocks', () => {
  it('hides every value from its deadline on by the reading node\'s clock, and shows skew moving the deadline both ways', async () => {
    const reports: TtlReport[] = [];
    for (const seed of campaignSeeds(1801, 6)) {
      const r = await runTtlSeed({ seed, turn, skewMs: 3_000 });
      reports.push(r);
      expect(r.anomalies, ttlFailureSummary(r)).toEqual([]);
      expect(r.acked, seedNote(seed)).toBeGreaterThan(0);
    }
    if (reports.length > 1) {
      // The skew shows: some value was seen past its nominal ttl, and some hidden before it.
      expect(reports.reduce((n, r) => n + r.lateBySkew, 0)).toBeGreaterThan(0);
      expect(reports.reduce((n, r) => n + r.earlyBySkew, 0)).toBeGreaterThan(0);
      expect(reports.reduce((n, r) => n + r.collected, 0)).toBeGreaterThan(0);
    }
  }, sliceTimeoutMs);

  it('replays a seed exactly: same offsets, same trace', async () => {
    const a = await runTtlSeed({ seed: 1900, turn, keysPerClient: 4 });
    const b = await runTtlSeed({ seed: 1900, turn, keysPerClient: 4 });
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.offsets).toEqual(a.offsets);
  }, sliceTimeoutMs);
});
