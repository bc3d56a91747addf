/**
 * Regression (reported by the whole-cluster simulation, tests/cluster-sim,
 * after the coordinator-side fix next to this file): a sloppy-quorum stand-in
 * stamped the hint it stored with the time the apply reached it. An apply
 * that arrived late (a network delay, a paused process) gave the hint a TTL
 * past the write's age, so it could outlive a later delete's tombstone and
 * replay the deleted value. The coordinator now sends the write's start with
 * every apply to a stand-in (`hintStampMs`), and the stand-in stamps the hint
 * no later than that.
 */
import { describe, expect, it } from 'vitest';
import { advance, settle } from '../support/drive.js';
import { FakeCluster } from '../support/fake-cluster.js';

const key = 'user:9';

describe('a stand-in hint', () => {
  it('carries the time its write began to the stand-in', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1] = c.preference(key);
    c.down.add(p1!);
    await advance(c, 2_000);
    const startedMs = c.clock.now();
    const result = await settle(c, c.coordinator(p0!, { timeoutMs: 500 }).put(key, 'v1'));
    expect(result.status).toBe('ok');
    const toStandIn = c.calls.filter((x) => x.op === 'apply' && x.hintFor === p1);
    expect(toStandIn).toHaveLength(1);
    expect(toStandIn[0]!.hintStampMs).toBe(startedMs);
    expect(c.calls.filter((x) => x.op === 'apply' && x.hintFor === undefined).every((x) => x.hintStampMs === undefined)).toBe(true);
  });
});
