/**
 * Regression (found by the whole-cluster simulation, tests/cluster-sim, seed
 * 616, profile `messages`): a coordinator stored the hint for a replica that
 * never answered at the write's deadline, stamped with the deadline's time.
 * The TTL then ran from up to `timeoutMs` after the write began, so a delete
 * issued right after the write (its context covering it) could pass its
 * tombstone grace (≥ hint TTL) and be collected while the hint still lived;
 * the hint's replay then put the deleted value back into the empty slot.
 * A hint is now stamped with the time its write began: it expires no later
 * than `hintTtlMs` after any write that could have seen (and deleted) it.
 */
import { describe, expect, it } from 'vitest';
import { advance, settle } from '../support/drive.js';
import { FakeCluster } from '../support/fake-cluster.js';

const key = 'user:7';

describe('hint stored at the deadline', () => {
  it('is stamped with the time its write began, not the deadline', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0, , p2] = c.preference(key);
    c.behaviour.set(p2!, 'hang');
    await advance(c, 1_000);
    const startedMs = c.clock.now();
    const result = await settle(c, c.coordinator(p0!, { timeoutMs: 500 }).put(key, 'v1'));
    expect(result.status).toBe('ok');
    await advance(c, 600); // past the deadline: the hint for the silent replica is stored now
    const hint = c.hints.get(p0!)!.peek(p2!, key);
    expect(hint).toBeDefined();
    expect(hint!.storedAtMs).toBe(startedMs);
  });
});
