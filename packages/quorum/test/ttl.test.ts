import { describe, expect, it } from 'vitest';
import { values, type DvvSet } from '@ringkv/vclock';
import { isQuorumError } from '@ringkv/quorum';
import { advance, settle } from './support/drive.js';
import { FakeCluster } from './support/fake-cluster.js';

const key = 'session:7';

function deadlines(set: DvvSet<string>): (number | undefined)[] {
  return values(set).map((s) => (s.tombstone ? undefined : s.expiresAtMs));
}

describe('Coordinator ttl', () => {
  it('stores the deadline now + ttl on the coordinator clock with the version on every replica', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0, p1, p2] = c.preference(key);
    const now = c.clock.now();
    const result = await settle(c, c.coordinator(p0!).put(key, 'v', { ttlMs: 30_000 }));
    expect(result.status).toBe('ok');
    await advance(c, 100);
    for (const node of [p0!, p1!, p2!]) expect(deadlines(c.stored(node, key))).toEqual([Math.ceil(now) + 30_000]);
  });

  it('refuses a ttl that is not a positive integer with invalid-argument before writing anything', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    for (const ttlMs of [0, -5, 1.5, Number.NaN]) {
      const error = await c.coordinator(p0!).put(key, 'v', { ttlMs }).catch((e: unknown) => e);
      expect(isQuorumError(error) && error.code, String(ttlMs)).toBe('invalid-argument');
    }
    expect(values(c.stored(p0!, key))).toEqual([]);
  });
});
