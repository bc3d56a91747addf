/**
 * Issue 15, item 7, under chaos: a node whose disk fills refuses writes
 * without a false ack, keeps serving reads, and writes again by itself once
 * the ballast is gone (the hints held for it drain into it during
 * convergence, which needs its writes back). Needs root for the tmpfs disks
 * (src/disk.ts); skipped otherwise.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, liveChildCount, makeSchedule, runChaos, type FaultKind } from '../../src/index.js';

const seed = 7;
const kinds: FaultKind[] = ['disk-full'];
const durationMs = 10_000;
const root = process.getuid?.() === 0;

describe('chaos: disk-full', () => {
  it.skipIf(!root)('three nodes whose disks fill one at a time lose no acknowledged element, and the filled nodes write again', async () => {
    expect(makeSchedule({ seed, durationMs, nodes: ['n1', 'n2', 'n3'], kinds }).length, 'the schedule of the seed').toBeGreaterThan(0);
    const report = await runChaos({ seed, durationMs, nodes: 3, clients: 4, keys: 8, kinds, nodeIpBase: 101, proxyIpBase: 111 });
    const summary = formatReport(report).join('\n');
    expect(report.faults['disk-full'], summary).toBeGreaterThan(0);
    expect(report.check.ok, summary).toBeGreaterThan(0);
    expect(report.check.lost, summary).toEqual([]);
    expect(report.check.unread, summary).toEqual([]);
    expect(report.convergence.problems, summary).toEqual([]);
    expect(report.unexpectedExits, summary).toBe(0);
    expect(report.valid, summary).toBe(true);
    expect(liveChildCount(), 'no node process outlives the run').toBe(0);
  });
});
