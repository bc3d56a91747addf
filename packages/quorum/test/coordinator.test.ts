import { describe, expect, it } from 'vitest';
import { context, empty, live, update, values, type DvvSet } from '@ringkv/vclock';
import { Coordinator, isQuorumError, MemoryHintStore, type ReplicaReceipt } from '@ringkv/quorum';
import { advance, settle } from './support/drive.js';
import { FakeCluster } from './support/fake-cluster.js';

const key = 'user:42';

function valuesOf(set: DvvSet<string>): string[] {
  return values(set)
    .map((s) => (s.tombstone ? '(deleted)' : s.value))
    .sort();
}

function byNode(replicas: readonly ReplicaReceipt[]): Record<string, ReplicaReceipt> {
  return Object.fromEntries(replicas.map((r) => [r.node, r]));
}

describe('Coordinator writes', () => {
  it('answers ok after W acks, with the coordinator as the first ack and a receipt of every replica', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.delayMs.set(p2!, 50);
    const result = await settle(c, c.coordinator(p0!).put(key, 'v1'));
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.acks).toBe(2);
    expect(result.required).toBe(2);
    expect(result.dot).toEqual({ actor: p0, counter: 1 });
    const r = byNode(result.receipt!.replicas);
    expect(r[p0!]).toMatchObject({ role: 'primary', outcome: 'ack', latencyMs: 0 });
    expect(r[p1!]).toMatchObject({ role: 'primary', outcome: 'ack', latencyMs: 1 });
    expect(r[p2!]).toMatchObject({ role: 'primary', outcome: 'pending' });
    expect(result.receipt).toMatchObject({ op: 'put', n: 3, w: 2, mode: 'sloppy', localHints: [], siblingsReconciled: 0 });
    await advance(c, 100);
    for (const node of [p0!, p1!, p2!]) expect(valuesOf(c.stored(node, key))).toEqual(['v1']);
  });

  it('in sloppy mode sends a down primary’s copy to the next healthy node as a hint that counts toward W', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    const spare = c.ids.find((id) => ![p0, p1, p2].includes(id))!;
    c.down = new Set([p1!, p2!]);
    const result = await settle(c, c.coordinator(p0!).put(key, 'v1', { w: 2 }));
    expect(result.status).toBe('ok');
    const r = byNode(result.receipt!.replicas);
    expect(r[spare]).toMatchObject({ role: 'fallback', hintFor: p1, outcome: 'ack' });
    expect(r[p2!]).toMatchObject({ role: 'primary', outcome: 'not-sent' });
    expect(result.receipt!.localHints).toEqual([p2]);
    await advance(c, 10);
    expect(c.hints.get(spare)!.peek(p1!, key)).toBeDefined();
    expect(c.stored(spare, key)).toEqual(empty());
    expect(c.hints.get(p0!)!.peek(p2!, key)).toBeDefined();
  });

  it('keeps the hint on the coordinator when no node is left beyond the preference list, without counting it toward W', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0, p1, p2] = c.preference(key);
    c.down = new Set([p2!]);
    const coordinator = c.coordinator(p0!);
    const ok = await settle(c, coordinator.put(key, 'v1'));
    expect(ok).toMatchObject({ status: 'ok', acks: 2 });
    expect(ok.receipt!.localHints).toEqual([p2]);
    await advance(c, 10);
    expect(valuesOf(c.hints.get(p0!)!.peek(p2!, key)!.set)).toEqual(['v1']);
    expect(c.stored(p1!, key)).not.toEqual(empty());

    const refused = await settle(c, coordinator.put(key, 'v2', { w: 3 }));
    expect(refused).toMatchObject({ status: 'quorum-not-met', reason: 'too-few-replicas', maybeWritten: false, acks: 0, required: 3 });
    expect(valuesOf(c.stored(p0!, key))).toEqual(['v1']);
  });

  it('in strict mode refuses before writing anything when fewer than W primaries are up', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1] = c.preference(key);
    c.down = new Set([p1!]);
    const coordinator = c.coordinator(p0!, { mode: 'strict' });
    const refused = await settle(c, coordinator.put(key, 'v1', { w: 3 }));
    expect(refused).toMatchObject({ status: 'quorum-not-met', reason: 'too-few-replicas', maybeWritten: false });
    expect(refused.receipt!.replicas.every((r) => r.outcome === 'not-sent' && r.role === 'primary')).toBe(true);
    expect(c.calls).toEqual([]);
    expect(c.stored(p0!, key)).toEqual(empty());
    const ok = await settle(c, coordinator.put(key, 'v1'));
    expect(ok.status).toBe('ok');
    expect(ok.receipt!.replicas.map((r) => r.role)).toEqual(['primary', 'primary', 'primary']);
    expect(ok.receipt!.localHints).toEqual([p1]);
  });

  it('reports quorum-not-met with maybeWritten when replicas refuse, and keeps hints for them', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.behaviour.set(p1!, 'error');
    c.behaviour.set(p2!, 'error');
    const result = await settle(c, c.coordinator(p0!).put(key, 'v1'));
    expect(result).toMatchObject({ status: 'quorum-not-met', reason: 'replicas-failed', maybeWritten: true, acks: 1, required: 2 });
    expect(byNode(result.receipt!.replicas)[p1!]).toMatchObject({ outcome: 'error', error: `${p1} refused` });
    await advance(c, 10);
    expect(c.hints.get(p0!)!.peek(p1!, key)).toBeDefined();
    expect(c.hints.get(p0!)!.peek(p2!, key)).toBeDefined();
  });

  it('answers indeterminate at the deadline when replicas never answer, and never hangs', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.behaviour.set(p1!, 'hang');
    c.behaviour.set(p2!, 'hang');
    const started = c.clock.now();
    const result = await settle(c, c.coordinator(p0!).put(key, 'v1', { timeoutMs: 300 }));
    expect(result).toMatchObject({ status: 'indeterminate', acks: 1, required: 2 });
    expect(result.receipt!.elapsedMs).toBe(c.clock.now() - started);
    expect(byNode(result.receipt!.replicas)[p1!]!.outcome).toBe('timeout');
    expect(c.clock.pendingTimers()).toBe(0);
  });

  it('hands the set to every other replica by hints when the coordinator’s own write finishes after the deadline', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0, p1, p2] = c.preference(key);
    const coordinator = new Coordinator<string>({
      nodeId: p0!,
      ring: () => c.ring,
      down: () => new Set(),
      local: {
        update: (k, ctx, payload) =>
          new Promise((resolve) => c.clock.setTimer(500, () => resolve(update(c.stored(p0!, k as string), ctx, p0!, payload)))),
      },
      replicas: c.client(),
      hints: c.hints.get(p0!)!,
      clock: c.clock,
      defaults: { timeoutMs: 100 },
    });
    const result = await settle(c, coordinator.put(key, 'late'));
    expect(result.status).toBe('indeterminate');
    expect('dot' in result && result.dot).toBe(false);
    expect(byNode(result.receipt!.replicas)[p0!]!.outcome).toBe('timeout');
    expect(c.calls).toEqual([]);
    await advance(c, 1_000);
    expect(valuesOf(c.hints.get(p0!)!.peek(p1!, key)!.set)).toEqual(['late']);
    expect(valuesOf(c.hints.get(p0!)!.peek(p2!, key)!.set)).toEqual(['late']);
  });

  it('passes the local update’s error through and sends nothing when the coordinator’s own write fails', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    const coordinator = new Coordinator<string>({
      nodeId: p0!,
      ring: () => c.ring,
      down: () => new Set(),
      local: { update: () => Promise.reject(new Error('disk full')) },
      replicas: c.client(),
      hints: new MemoryHintStore(),
      clock: c.clock,
    });
    await expect(settle(c, coordinator.put(key, 'v1'))).rejects.toThrow('disk full');
    expect(c.calls).toEqual([]);
  });

  it('a write called with receipt: false answers the same without a receipt, and its replicas get the set', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    const result = await settle(c, c.coordinator(p0!).put(key, 'v1', { receipt: false }));
    expect(result).toMatchObject({ status: 'ok', acks: 2, required: 2, dot: { actor: p0, counter: 1 } });
    expect('receipt' in result).toBe(false);
    const del = await settle(c, c.coordinator(p0!).delete(key, { receipt: false, context: result.status === 'ok' ? result.context : [] }));
    expect(del.status).toBe('ok');
    expect('receipt' in del).toBe(false);
    await advance(c, 100);
    for (const node of [p0!, p1!, p2!]) expect(valuesOf(c.stored(node, key))).toEqual(['(deleted)']);
    const asked = await settle(c, c.coordinator(p0!).put(key, 'v2', { receipt: true }));
    expect(asked.receipt?.op).toBe('put');
  });

  it('refuses a receipt option that is not a boolean with invalid-argument, before writing anything', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    const error = await c.coordinator(p0!).put(key, 'v', { receipt: 'yes' as unknown as boolean }).catch((e: unknown) => e);
    expect(isQuorumError(error) && error.code).toBe('invalid-argument');
    expect(valuesOf(c.stored(p0!, key))).toEqual([]);
  });

  it('refuses a write coordinated outside the preference list with not-a-replica', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const spare = c.ids.find((id) => !c.preference(key).includes(id))!;
    const error = await c.coordinator(spare).put(key, 'v').catch((e: unknown) => e);
    expect(isQuorumError(error) && error.code).toBe('not-a-replica');
    const invalid = await c.coordinator(spare).get(key, { r: 4 }).catch((e: unknown) => e);
    expect(isQuorumError(invalid) && invalid.code).toBe('invalid-argument');
  });

  it('two writes with the same context through one coordinator both survive as siblings', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    const coordinator = c.coordinator(p0!);
    const first = await settle(c, coordinator.put(key, 'base'));
    const ctx = first.status === 'ok' ? first.context : [];
    const [a, b] = await settle(c, Promise.all([coordinator.put(key, 'alice', { context: ctx }), coordinator.put(key, 'bob', { context: ctx })]));
    expect([a.status, b.status]).toEqual(['ok', 'ok']);
    const read = await settle(c, coordinator.get(key, { r: 3 }));
    expect(read.status === 'ok' && read.siblings.map((s) => (s.tombstone ? '' : s.value)).sort()).toEqual(['alice', 'bob']);
  });

  it('a delete is a tombstone version that a read reports as not found', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    const coordinator = c.coordinator(p0!);
    const put = await settle(c, coordinator.put(key, 'v'));
    const del = await settle(c, coordinator.delete(key, { context: put.status === 'ok' ? put.context : [] }));
    expect(del.receipt!.op).toBe('delete');
    const read = await settle(c, coordinator.get(key, { r: 3 }));
    expect(read).toMatchObject({ status: 'ok', found: false });
  });
});

describe('Coordinator reads', () => {
  function seeded(c: FakeCluster): { fresh: DvvSet<string>; old: DvvSet<string> } {
    const [p0, p1] = c.preference(key);
    const old = update(empty<string>(), [], p0!, live('old'));
    const fresh = update(old, context(old), p0!, live('new'));
    c.setStored(p0!, key, fresh);
    c.setStored(p1!, key, old);
    return { fresh, old };
  }

  it('merges the replies, counts the versions reconciled, and repairs exactly the stale primaries', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    const { fresh } = seeded(c);
    const coordinator = c.coordinator(p2!);
    const read = await settle(c, coordinator.get(key, { r: 3 }));
    expect(read.status).toBe('ok');
    if (read.status !== 'ok') return;
    expect(read.siblings.map((s) => (s.tombstone ? '' : s.value))).toEqual(['new']);
    expect(read.receipt.siblingsReconciled).toBe(1);
    expect(read.receipt.readRepair.triggered).toBe(true);
    expect([...read.receipt.readRepair.targets].sort()).toEqual([p1, p2].sort());
    expect(c.calls.filter((call) => call.op === 'apply').map((call) => call.node).sort()).toEqual([p1, p2].sort());
    await advance(c, 10);
    for (const node of [p0!, p1!, p2!]) expect(c.stored(node, key)).toEqual(fresh);
    expect(coordinator.stats().readRepairs).toBe(2);
    const again = await settle(c, coordinator.get(key, { r: 3 }));
    expect(again.receipt.readRepair).toEqual({ triggered: false, targets: [] });
  });

  it('answers after R replies and repairs a late stale reply too', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    const { fresh } = seeded(c);
    c.delayMs.set(p1!, 40);
    const coordinator = c.coordinator(p0!);
    const read = await settle(c, coordinator.get(key, { r: 2 }));
    expect(read).toMatchObject({ status: 'ok', replies: 2 });
    expect(byNode(read.receipt.replicas)[p1!]!.outcome).toBe('pending');
    expect(read.receipt.readRepair.targets).toEqual([p2]);
    await advance(c, 100);
    expect(c.stored(p1!, key)).toEqual(fresh);
    expect(c.stored(p2!, key)).toEqual(fresh);
  });

  it('reads a fallback’s hint for the down primary it stands in for', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.down = new Set([p1!, p2!]);
    const write = await settle(c, c.coordinator(p0!).put(key, 'v1', { w: 2 }));
    expect(write.status).toBe('ok');
    c.setStored(p0!, key, empty());
    const read = await settle(c, c.coordinator(p0!).get(key, { r: 2 }));
    expect(read.status === 'ok' && read.siblings.map((s) => (s.tombstone ? '' : s.value))).toEqual(['v1']);
    expect(c.calls.filter((x) => x.op === 'fetch' && x.hintFor === p1)).toHaveLength(1);
  });

  it('reports quorum-not-met when too many replicas refuse and indeterminate when they never answer', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.behaviour.set(p1!, 'error');
    c.behaviour.set(p2!, 'error');
    expect(await settle(c, c.coordinator(p0!).get(key))).toMatchObject({ status: 'quorum-not-met', reason: 'replicas-failed', replies: 1, required: 2 });
    c.behaviour.set(p1!, 'hang');
    c.behaviour.set(p2!, 'hang');
    const hung = await settle(c, c.coordinator(p0!).get(key, { timeoutMs: 200 }));
    expect(hung).toMatchObject({ status: 'indeterminate', replies: 1 });
    expect(hung.receipt.replicas.map((r) => r.outcome).sort()).toEqual(['ack', 'timeout', 'timeout']);
  });

  it('in strict mode refuses a read when fewer than R primaries are up', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3', 'n4']);
    const [p0, p1, p2] = c.preference(key);
    c.down = new Set([p1!, p2!]);
    const read = await settle(c, c.coordinator(p0!, { mode: 'strict' }).get(key));
    expect(read).toMatchObject({ status: 'quorum-not-met', reason: 'too-few-replicas' });
    expect(c.calls).toEqual([]);
  });

  it('bounds read repairs in flight and drops (and counts) repairs past the queue', async () => {
    const c = new FakeCluster(['n1', 'n2', 'n3']);
    const [p0] = c.preference(key);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    for (const k of keys) c.setStored(p0!, k, update(empty<string>(), [], p0!, live(k)));
    const coordinator = c.coordinator(p0!, {}, { readRepairsInFlightMax: 2 });
    const reads = await settle(c, Promise.all(keys.map((k) => coordinator.get(k, { r: 3 }))));
    expect(reads.every((r) => r.status === 'ok')).toBe(true);
    await advance(c, 100);
    expect(c.appliesInFlightPeak).toBeLessThanOrEqual(2);
    const stats = coordinator.stats();
    expect(stats.readRepairs + stats.readRepairsDropped).toBe(24);
    expect(stats.readRepairs).toBe(24);
    const small = new FakeCluster(['n1', 'n2', 'n3']);
    for (const k of keys) small.setStored(p0!, k, update(empty<string>(), [], p0!, live(k)));
    const tight = small.coordinator(p0!, {}, { readRepairsInFlightMax: 1, readRepairQueueMax: 1 });
    await settle(small, Promise.all(keys.map((k) => tight.get(k, { r: 3 }))));
    await advance(small, 100);
    expect(tight.stats().readRepairsDropped).toBeGreaterThan(0);
    expect(tight.stats().readRepairs + tight.stats().readRepairsDropped).toBe(24);
  });
});
