import type { RingMember } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { dcMembers, dcRouteOrder } from './dc-routing.js';
import { RingTable } from './ring-table.js';

const member = (id: string, dc: string, status: RingMember['status'] = 'normal'): RingMember => ({ id, url: `ws://h/${id}`, vnodes: 64, weight: 1, zone: '', dc, rack: '', machine: id, status });

/** dc1: a1 a2 a3, dc2: b1 b2, dc3: c1 (no replicas: the map does not name it); dc1:2, dc2:1. */
function twoDcTable(down: string[] = []): RingTable {
  const members = [
    ...['a1', 'a2', 'a3'].map((id) => member(id, 'dc1', down.includes(id) ? 'down' : 'normal')),
    ...['b1', 'b2'].map((id) => member(id, 'dc2', down.includes(id) ? 'down' : 'normal')),
    member('c1', 'dc3'),
  ];
  return RingTable.fromReply({ version: 1, n: 3, replicas: { dc1: 2, dc2: 1 }, members }) as RingTable;
}

const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);

describe('dcRouteOrder (a 2-DC ring table)', () => {
  it('puts the key’s replicas in the DC first, in preference order, then the DC’s other members, and nothing of another DC', () => {
    const table = twoDcTable();
    for (const key of keys) {
      const replicas = table.replicas(key);
      expect(replicas.filter((id) => id.startsWith('a'))).toHaveLength(2);
      expect(replicas.filter((id) => id.startsWith('b'))).toHaveLength(1);
      const inDc1 = replicas.filter((id) => table.dcOf(id) === 'dc1');
      const order = dcRouteOrder(table, key, 'dc1');
      expect(order.slice(0, 2), key).toEqual(inDc1);
      expect([...order].sort(), key).toEqual(['a1', 'a2', 'a3']);
      const order2 = dcRouteOrder(table, key, 'dc2');
      expect(order2[0], key).toBe(replicas.find((id) => id.startsWith('b')));
      expect([...order2].sort()).toEqual(['b1', 'b2']);
    }
  });

  it('skips members that are down, and gives a DC without replicas its own members (which forward)', () => {
    const table = twoDcTable(['b1']);
    for (const key of keys) {
      expect(dcRouteOrder(table, key, 'dc2'), key).toEqual(['b2']);
      expect(dcRouteOrder(table, key, 'dc3'), key).toEqual(['c1']);
      expect(dcRouteOrder(table, key, 'dc9'), key).toEqual([]);
    }
  });
});

describe('dcMembers (requests without a key)', () => {
  it('gives the DC’s routable members sorted by id, none that is down and none of another DC', () => {
    expect(dcMembers(twoDcTable(), 'dc1')).toEqual(['a1', 'a2', 'a3']);
    expect(dcMembers(twoDcTable(['a2']), 'dc1')).toEqual(['a1', 'a3']);
    expect(dcMembers(twoDcTable(['b1', 'b2']), 'dc2')).toEqual([]);
    expect(dcMembers(twoDcTable(), 'dc9')).toEqual([]);
  });
});
