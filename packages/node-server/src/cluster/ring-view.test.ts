import type { MemberSnapshot } from '@ringkv/gossip';
import { describe, expect, it } from 'vitest';
import { placementVersion, RingView, ringSpecs } from './ring-view.js';

function member(id: string, status: MemberSnapshot['status'] = 'normal', extra: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return { id, address: `ws://127.0.0.1:${7000 + id.charCodeAt(0)}`, generation: 1, heartbeat: 1, status, vnodes: 64, weight: 1, zone: '', ...extra };
}

describe('RingView', () => {
  it('gives the same version for the same placement whatever the member order or liveness', () => {
    const one = placementVersion(ringSpecs([member('a'), member('b'), member('c')]));
    const two = placementVersion(ringSpecs([member('c', 'down'), member('a', 'suspect'), member('b')]));
    expect(two).toBe(one);
    expect(placementVersion(ringSpecs([member('a'), member('b')]))).not.toBe(one);
    expect(placementVersion(ringSpecs([member('a'), member('b'), member('c', 'normal', { weight: 2 })]))).not.toBe(one);
  });

  it('keeps down members in the ring and in the down set, and rebuilds only when the placement changes', () => {
    const view = new RingView(member('a'));
    expect(view.update([member('a'), member('b'), member('c')])).toBe(true);
    expect(view.ring.size).toBe(3);
    expect(view.update([member('a'), member('b'), member('c', 'down')])).toBe(false);
    expect([...view.down]).toEqual(['c']);
    expect(view.ring.hasNode('c')).toBe(true);
    expect(view.update([member('a'), member('b'), member('c')])).toBe(false);
    expect(view.down.size).toBe(0);
  });

  it('leaves joining and left members out of the ring but lists joining ones to clients', () => {
    const view = new RingView(member('a'));
    view.update([member('a'), member('b', 'joining'), member('c', 'left')]);
    expect(view.ring.nodes().map((n) => n.id)).toEqual(['a']);
    expect(view.ringMembers().map((m) => `${m.id}:${m.status}`)).toEqual(['a:normal', 'b:joining']);
  });

  it('gives a member vnodes × weight tokens', () => {
    const view = new RingView(member('a'));
    view.update([member('a', 'normal', { vnodes: 32 }), member('b', 'normal', { vnodes: 64, weight: 2 })]);
    expect(view.ring.node('a')?.tokens).toBe(32);
    expect(view.ring.node('b')?.tokens).toBe(128);
  });

  it('always keeps this node in its own ring, even before gossip lists it', () => {
    const view = new RingView(member('a'));
    view.update([member('b')]);
    expect(view.ring.hasNode('a')).toBe(true);
    expect(view.addressOf('a')).toBe(member('a').address);
  });

  it('keeps a joining node out of its own ring, and puts it in the future ring', () => {
    const view = new RingView(member('d', 'joining'));
    view.update([member('a'), member('b'), member('c'), member('d', 'joining')]);
    expect(view.ring.hasNode('d')).toBe(false);
    expect(view.future.hasNode('d')).toBe(true);
    expect(view.changing).toBe(true);
  });

  it('names as pending replicas exactly the future replicas that are not current ones, and none when nothing changes', () => {
    const view = new RingView(member('a'));
    view.update([member('a'), member('b'), member('c'), member('d', 'joining'), member('e', 'leaving')]);
    let pending = 0;
    for (let i = 0; i < 500; i++) {
      const key = `key-${i}`;
      const current = view.ring.preferenceList(key, 2);
      const future = view.future.preferenceList(key, 2);
      const got = view.pendingReplicas(key, 2);
      expect(got).toEqual(future.filter((id) => !current.includes(id)));
      expect(future.includes('e')).toBe(false);
      pending += got.length;
    }
    expect(pending).toBeGreaterThan(0);
    view.update([member('a'), member('b'), member('c'), member('d'), member('e', 'left')]);
    expect(view.changing).toBe(false);
    expect(view.pendingReplicas('key-1', 2)).toEqual([]);
  });
});
