// The example of README.md, kept here so it keeps working.
import { expect, it } from 'vitest';
import { HashRing, hashKey, parseReplication, positionToHex, ringDiff } from '../src/index.js';

it('the README example runs as written', () => {
  const ring = HashRing.fromNodes(
    [
      { id: 'n1', zone: 'eu-a' },
      { id: 'n2', zone: 'eu-b' },
      { id: 'n3', zone: 'eu-c', weight: 2 },
    ],
    { vnodes: 256 },
  );
  const replicas = ring.preferenceList('user:42', 3); // e.g. ['n3', 'n1', 'n2']
  const sloppy = ring.sloppyPreferenceList('user:42', 2, new Set([replicas[0] as string]));
  const bigger = ring.addNode({ id: 'n4', zone: 'eu-a' }); // `ring` is unchanged
  const moves = ringDiff(ring, bigger, 3); // ranges n4 must stream in
  expect(positionToHex(hashKey('user:42'))).toMatch(/^[0-9a-f]{16}$/);

  expect(new Set(replicas)).toEqual(new Set(['n1', 'n2', 'n3']));
  // The primary is down: the third node stands in for it and holds its hints.
  expect(sloppy).toEqual([{ node: replicas[2], hintFor: replicas[0] }, { node: replicas[1] }]);
  expect(ring.size).toBe(3);
  expect(moves.every((m) => m.gained.includes('n4'))).toBe(true);
});

it('the README multi-DC example runs as written', () => {
  const dcs = HashRing.fromNodes([
    { id: 'a1', dc: 'dc1', rack: 'r1', machine: 'hostA' }, { id: 'a2', dc: 'dc1', rack: 'r1', machine: 'hostA' },
    { id: 'b1', dc: 'dc1', rack: 'r2', machine: 'hostB' }, { id: 'c1', dc: 'dc1', rack: 'r2', machine: 'hostC' },
    { id: 'd1', dc: 'dc2', machine: 'hostD' }, { id: 'e1', dc: 'dc2', machine: 'hostE' },
  ]);
  const list = dcs.preferenceList('user:42', { dc1: 3, dc2: 2 });
  expect(dcs.preferenceList('user:42', parseReplication('dc1:3,dc2:2'))).toEqual(list);
  expect(list).toHaveLength(5);
  expect(list.filter((id) => id === 'a1' || id === 'a2')).toHaveLength(1);
  expect(new Set(list.filter((id) => id === 'd1' || id === 'e1'))).toEqual(new Set(['d1', 'e1']));
});
