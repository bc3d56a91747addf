/**
 * Bounded work per event-loop turn during an exchange (exchange.ts invariant
 * 4, service.ts `rangeSets`): what keeps foreground latency within 2× of its
 * unloaded value while a pass runs (README, "Foreground latency during a pass").
 */
import { live } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { decodePairs } from '../../src/anti-entropy/entries.js';
import { u32s } from '../../src/anti-entropy/exchange.js';
import { aeKeysPerTurn, aeServeKeysPerCall } from '../../src/anti-entropy/limits.js';
import { aeCluster, roots, setsOf, type TestNode } from './nodes.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Counts the store's `syncIn` calls outstanding at once on `node`. */
function countSyncIns(node: TestNode): { max: number; calls: number } {
  const seen = { max: 0, calls: 0 };
  let outstanding = 0;
  const original = node.store.syncIn.bind(node.store);
  node.store.syncIn = (...args: Parameters<typeof original>) => {
    outstanding++;
    seen.calls++;
    seen.max = Math.max(seen.max, outstanding);
    return original(...args).finally(() => outstanding--);
  };
  return seen;
}

describe('anti-entropy bounded work', () => {
  it('a range-sets reply holds at most aeServeKeysPerCall keys and resumes after the last one with more', async () => {
    const nodes = aeCluster(['a', 'b'], { bucketsLog2: 8 });
    const b = nodes.get('b') as TestNode;
    await b.started;
    const keys = Array.from({ length: aeServeKeysPerCall * 2 + 100 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => b.store.update(k, [], live(bytes(k)))));
    const group = b.ae.trees.groups()[0] as string;
    const buckets = u32s(Array.from({ length: 256 }, (_, i) => i));
    const seen = new Set<string>();
    let after: Uint8Array | undefined;
    let calls = 0;
    do {
      const reply = await b.ae.onCall({ type: 'range-sets', id: 1, timeoutMs: 1000, group, bucketsLog2: 8, buckets, bytesMax: 1 << 30, digests: true, ...(after === undefined ? {} : { after }) });
      if (reply.type !== 'range-sets-ok') throw new Error(reply.type);
      const pairs = decodePairs(reply.entries);
      expect(pairs.length).toBeLessThanOrEqual(aeServeKeysPerCall);
      for (const p of pairs) seen.add(Buffer.from(p.key).toString());
      after = reply.more;
      calls++;
    } while (after !== undefined && calls < 10);
    expect(calls).toBe(3);
    expect(seen.size).toBe(keys.length);
  });

  it('a pass keeps at most aeKeysPerTurn pulled or pushed sets in either store at once, and still converges', async () => {
    const nodes = aeCluster(['a', 'b'], { bucketsLog2: 10 });
    const [a, b] = ['a', 'b'].map((id) => nodes.get(id) as TestNode) as [TestNode, TestNode];
    await Promise.all([a.started, b.started]);
    const onlyA = Array.from({ length: aeKeysPerTurn * 6 }, (_, i) => `a${i}`);
    const onlyB = Array.from({ length: aeKeysPerTurn * 6 }, (_, i) => `b${i}`);
    await Promise.all([...onlyA.map((k) => a.store.update(k, [], live(bytes(k)))), ...onlyB.map((k) => b.store.update(k, [], live(bytes(k))))]);
    const pulls = countSyncIns(a);
    const pushes = countSyncIns(b);
    const summary = await a.ae.repair();
    expect(summary.keysRepaired).toBe(onlyA.length + onlyB.length);
    expect(pulls.calls).toBe(onlyB.length);
    expect(pushes.calls).toBe(onlyA.length);
    expect(pulls.max).toBeLessThanOrEqual(aeKeysPerTurn);
    expect(pushes.max).toBeLessThanOrEqual(aeKeysPerTurn);
    const all = [...onlyA, ...onlyB];
    expect(setsOf(b, all)).toEqual(setsOf(a, all));
    expect(roots(b)).toEqual(roots(a));
  });
});
