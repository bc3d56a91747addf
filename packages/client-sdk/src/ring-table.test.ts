import { HashRing } from '@ringkv/hashring';
import { ringSpecs, ringVnodesBase as nodeVnodesBase } from '@ringkv/node-server';
import type { RingMember, RingMemberStatus } from '@ringkv/protocol';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { ringVnodesBase } from './limits.js';
import { placementSpecs, RingTable } from './ring-table.js';

const statuses: RingMemberStatus[] = ['joining', 'normal', 'leaving', 'suspect', 'down'];

/** A member's rack as nodes send it (zone = rack); old nodes send zone alone. */
const rack = (r: string): { zone: string; rack?: string } => (r === '' ? { zone: r } : { zone: r, rack: r });

function randomMembers(rng: Rng): RingMember[] {
  const count = 1 + rng.int(8);
  return Array.from({ length: count }, (_, i) => ({
    id: `node-${i}-${rng.int(1000)}`,
    url: `ws://127.0.0.1:${7000 + i}`,
    vnodes: [16, 64, 128][rng.int(3)] as number,
    weight: [0.5, 1, 2][rng.int(3)] as number,
    ...rack(rng.chance(0.5) ? '' : `z${rng.int(3)}`),
    ...(rng.chance(0.5) ? { dc: `dc${1 + rng.int(2)}`, machine: `m${rng.int(4)}` } : {}),
    status: i === 0 ? 'normal' : (statuses[rng.int(statuses.length)] as RingMemberStatus),
  }));
}

describe('RingTable', () => {
  it('computes the same preference lists as the nodes (same placement rule) for random member sets', () => {
    const seed = testSeed(6006);
    const rng = new Rng(seed);
    expect(ringVnodesBase).toBe(nodeVnodesBase);
    for (let round = 0; round < 40; round++) {
      const members = randomMembers(rng);
      const nodes = HashRing.fromNodes(ringSpecs(members), { vnodes: nodeVnodesBase });
      const table = RingTable.fromReply({ version: 1, n: 3, members }) as RingTable;
      expect(placementSpecs(members), seedNote(seed)).toEqual(ringSpecs(members));
      for (let k = 0; k < 50; k++) {
        const key = `key:${rng.int(1_000_000)}`;
        expect(table.replicas(key), `${key} ${seedNote(seed)}`).toEqual(nodes.preferenceList(key, 3));
        expect(table.routeOrder(key), `routeOrder ${key} ${seedNote(seed)}`).toEqual(nodes.preferenceList(key, 3));
      }
    }
  });

  it('computes the nodes’ preference lists per DC with the reply’s replication map, dc, rack and machine labels', () => {
    const seed = testSeed(6007);
    const rng = new Rng(seed);
    for (let round = 0; round < 30; round++) {
      const members = randomMembers(rng).map((m, i) => ({ ...m, dc: i % 2 === 0 ? 'dc1' : 'dc2', machine: `m${i % 3}` }));
      const replicas = { dc1: 1 + rng.int(2), dc2: 1 };
      const nodes = HashRing.fromNodes(ringSpecs(members), { vnodes: nodeVnodesBase });
      const table = RingTable.fromReply({ version: 1, n: replicas.dc1 + replicas.dc2, replicas, members });
      if (table === undefined) continue; // no member owns tokens this round
      expect(placementSpecs(members), seedNote(seed)).toEqual(ringSpecs(members));
      for (let k = 0; k < 30; k++) {
        const key = `key:${rng.int(1_000_000)}`;
        expect(table.replicas(key), `${key} ${seedNote(seed)}`).toEqual(nodes.preferenceList(key, replicas));
      }
    }
  });

  it('gives every key the one owner as its route when a single member owns all tokens, without a list per key', () => {
    const member = (id: string, status: RingMemberStatus): RingMember => ({ id, url: `ws://h/${id}`, vnodes: 64, weight: 1, zone: '', status });
    const table = RingTable.fromReply({ version: 3, n: 3, members: [member('a', 'normal'), member('b', 'joining')] }) as RingTable;
    const first = table.routeOrder('k1');
    expect(first).toEqual(['a']);
    expect(table.routeOrder(new Uint8Array([1, 2, 3]))).toBe(first);
    expect(table.replicas('k2')).toEqual(['a']);
    const two = RingTable.fromReply({ version: 4, n: 3, members: [member('a', 'normal'), member('b', 'normal')] }) as RingTable;
    expect(two.routeOrder('k1')).toEqual(two.replicas('k1'));
    expect(two.routeOrder('k1')).toHaveLength(2);
  });

  it('routes only to normal and leaving members, and builds no ring when no member owns tokens', () => {
    const member = (id: string, status: RingMemberStatus): RingMember => ({ id, url: `ws://h/${id}`, vnodes: 64, weight: 1, zone: '', status });
    const table = RingTable.fromReply({ version: 7, n: 2, members: [member('a', 'normal'), member('b', 'down'), member('c', 'joining'), member('d', 'leaving')] }) as RingTable;
    expect(['a', 'b', 'c', 'd'].map((id) => table.routable(id))).toEqual([true, false, false, true]);
    expect(table.ring.hasNode('c')).toBe(false);
    expect(table.ring.hasNode('b')).toBe(true);
    expect(RingTable.fromReply({ version: 0, n: 3, members: [member('x', 'joining')] })).toBeUndefined();
  });
});
