import { expect, it } from 'vitest';
import { HashRing } from '@ringkv/hashring';
import { empty, sync, update, type DvvSet } from '@ringkv/vclock';
import { Coordinator, MemoryHintStore, type Clock } from '@ringkv/quorum';

it('the README example runs and reads back what it wrote', async () => {
  // --- README example start
  const ring = HashRing.fromNodes(['n1', 'n2', 'n3']);
  const disks = new Map(['n1', 'n2', 'n3'].map((id) => [id, new Map<string, DvvSet<string>>()]));
  const disk = (id: string) => disks.get(id)!;
  const clock: Clock = { now: () => Date.now(), setTimer: (ms, fn) => setTimeout(fn, ms), clearTimer: (t) => clearTimeout(t as NodeJS.Timeout) };
  const coordinator = new Coordinator<string>({
    nodeId: 'n1', ring: () => ring, down: () => new Set(), clock, hints: new MemoryHintStore(),
    local: { update: async (key, ctx, payload) => { const s = update(disk('n1').get(key as string) ?? empty<string>(), ctx, 'n1', payload); disk('n1').set(key as string, s); return s; } },
    replicas: {
      apply: async (node, key, set) => void disk(node).set(key as string, sync(disk(node).get(key as string) ?? empty(), set)),
      fetch: async (node, key) => disk(node).get(key as string),
    },
  });
  const put = await coordinator.put('user:42', 'alice');   // { status: 'ok', acks: 2, required: 2, receipt, … }
  const got = await coordinator.get('user:42', { r: 3 }); // { status: 'ok', siblings: [{ value: 'alice', … }], context, … }
  if (got.status === 'ok') console.log(got.siblings.map((s) => (s.tombstone ? null : s.value)), got.receipt.replicas);
  // --- README example end
  expect(put.status).toBe('ok');
  expect(got.status === 'ok' && got.siblings.map((s) => (s.tombstone ? null : s.value))).toEqual(['alice']);
});
