import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedNote, testSeed } from '@ringkv/sim';
import { HashRing, formatReplication, isHashRingError, parseReplication, ringDiff, type NodeSpec, type Replication, type RingNode } from '../src/index.js';
import { dcRef, machineOf, refDcPreferenceList, refDcSloppy } from './dc-reference.js';

/** A ring of 1–12 nodes over up to 3 DCs, 3 racks and few machines (so several nodes share one), few vnodes. */
const specsArb = fc
  .array(
    fc.record({
      dc: fc.constantFrom('dc1', 'dc2', 'dc3', undefined),
      rack: fc.constantFrom('r1', 'r2', 'r3', undefined),
      machine: fc.constantFrom('m1', 'm2', 'm3', 'm4', undefined),
      weight: fc.constantFrom(1, 1, 2, 0.5),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((labels) =>
    labels.map((l, i): NodeSpec => ({
      id: `n${i}`,
      weight: l.weight,
      ...(l.dc === undefined ? {} : { dc: l.dc }),
      ...(l.rack === undefined ? {} : { rack: l.rack }),
      ...(l.machine === undefined ? {} : { machine: l.machine }),
    })),
  );

const replicationArb: fc.Arbitrary<Replication> = fc.oneof(
  fc.integer({ min: 1, max: 6 }),
  fc
    .subarray(['dc1', 'dc2', 'dc4'], { minLength: 1 })
    .chain((dcs) => fc.tuple(...dcs.map((dc) => fc.integer({ min: 1, max: 4 }).map((n) => [dc, n] as const))))
    .map((entries) => Object.fromEntries(entries)),
);

const positionArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('placement over data centers, racks and machines against a brute-force placement', () => {
  it('preferenceList matches the brute force, never repeats a machine and takes min(count, machines) per DC', () => {
    const seed = testSeed(1401);
    fc.assert(
      fc.property(specsArb, replicationArb, fc.integer({ min: 1, max: 6 }), fc.array(positionArb, { minLength: 1, maxLength: 20 }), (specs, replication, vnodes, positions) => {
        const ring = HashRing.fromNodes(specs, { vnodes });
        const ref = dcRef(ring);
        const nodes = new Map(ring.nodes().map((n) => [n.id, n]));
        for (const p of positions) {
          const list = ring.preferenceListAt(p, replication);
          expect(list, `position ${p} ${seedNote(seed)}`).toEqual(refDcPreferenceList(ref, p, replication));
          const machines = list.map((id) => machineOf(nodes.get(id) as RingNode));
          expect(new Set(machines).size, seedNote(seed)).toBe(list.length);
          const groups: [string | undefined, number][] = typeof replication === 'number' ? [[undefined, replication]] : Object.entries(replication);
          for (const [dc, count] of groups) {
            const inDc = [...nodes.values()].filter((n) => dc === undefined || (n.dc ?? '') === dc);
            const have = list.filter((id) => dc === undefined || (nodes.get(id)?.dc ?? '') === dc).length;
            expect(have, `dc ${dc} ${seedNote(seed)}`).toBe(Math.min(count, new Set(inDc.map(machineOf)).size));
          }
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('sloppyPreferenceList matches the brute force: stand-ins in the primary DC, on machines holding no other replica', () => {
    const seed = testSeed(1402);
    fc.assert(
      fc.property(specsArb, replicationArb, fc.array(positionArb, { minLength: 1, maxLength: 10 }), fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 6 }), (specs, replication, positions, downAt) => {
        const ring = HashRing.fromNodes(specs, { vnodes: 4 });
        const ref = dcRef(ring);
        const down = new Set(downAt.map((i) => `n${i}`));
        const nodes = new Map(ring.nodes().map((n) => [n.id, n]));
        for (const p of positions) {
          const sloppy = ring.sloppyPreferenceListAt(p, replication, down);
          expect(sloppy, `position ${p} down ${[...down]} ${seedNote(seed)}`).toEqual(refDcSloppy(ref, p, replication, down));
          expect(sloppy.some((e) => down.has(e.node)), seedNote(seed)).toBe(false);
          const machines = sloppy.map((e) => machineOf(nodes.get(e.node) as RingNode));
          expect(new Set(machines).size, seedNote(seed)).toBe(sloppy.length);
          if (typeof replication !== 'number') {
            for (const e of sloppy) if (e.hintFor !== undefined) expect(nodes.get(e.node)?.dc, seedNote(seed)).toBe(nodes.get(e.hintFor)?.dc);
          }
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('ranges, ownership and ringDiff agree with preferenceList under a replication map', () => {
    const seed = testSeed(1403);
    fc.assert(
      fc.property(specsArb, specsArb, replicationArb, (a, b, replication) => {
        const before = HashRing.fromNodes(a, { vnodes: 3 });
        const after = HashRing.fromNodes(b, { vnodes: 3 });
        for (const change of ringDiff(before, after, replication)) {
          expect(before.preferenceListAt(change.end, replication), seedNote(seed)).toEqual(change.before);
          expect(after.preferenceListAt(change.end, replication), seedNote(seed)).toEqual(change.after);
        }
        for (const node of before.nodes()) {
          for (const range of before.ranges(node.id, replication)) {
            expect(before.preferenceListAt(range.end, replication)[range.replica], seedNote(seed)).toBe(node.id);
          }
        }
        const share = [...before.ownership(replication).values()].reduce((sum, o) => sum + o.replica, 0);
        expect(share, seedNote(seed)).toBeCloseTo(before.preferenceListAt(0n, replication).length, 6);
      }),
      { seed, numRuns: 150 },
    );
  });
});

describe('placement examples', () => {
  it('never puts two replicas on one machine, even with several nodes per machine', () => {
    const specs = ['a', 'b', 'c'].flatMap((m) => [0, 1, 2, 3].map((i) => ({ id: `${m}${i}`, machine: m })));
    const ring = HashRing.fromNodes(specs, { vnodes: 16 });
    for (let k = 0; k < 200; k++) {
      const list = ring.preferenceList(`key-${k}`, 3);
      expect(new Set(list.map((id) => id[0])).size).toBe(3);
      // Only three machines: a fourth replica is not invented.
      expect(ring.preferenceList(`key-${k}`, 5)).toHaveLength(3);
    }
  });

  it('takes each DC its count of replicas, and a DC with too few machines is short', () => {
    const specs = [
      ...['x1', 'x2', 'x3', 'x4'].map((id, i) => ({ id, dc: 'dc1', rack: `r${i % 2}` })),
      { id: 'y1', dc: 'dc2' },
    ];
    const ring = HashRing.fromNodes(specs, { vnodes: 8 });
    for (let k = 0; k < 100; k++) {
      const list = ring.preferenceList(`key-${k}`, { dc1: 3, dc2: 2 });
      expect(list.filter((id) => id.startsWith('x'))).toHaveLength(3);
      expect(list.filter((id) => id.startsWith('y'))).toEqual(['y1']);
      // Distinct racks first: dc1's three replicas cover both of its racks.
      const racks = new Set(list.filter((id) => id.startsWith('x')).map((id) => ring.node(id)?.rack));
      expect(racks.size).toBe(2);
    }
  });

  it('places no replica in a DC the map does not name', () => {
    const ring = HashRing.fromNodes([{ id: 'a', dc: 'dc1' }, { id: 'b', dc: 'dc2' }, { id: 'c' }], { vnodes: 8 });
    expect(ring.preferenceList('k', { dc1: 2 })).toEqual(['a']);
  });

  it('parses and formats replication maps, refusing malformed ones with invalid-argument', () => {
    expect(parseReplication('3')).toBe(3);
    expect(parseReplication(' dc2:2, dc1:3 ')).toEqual({ dc2: 2, dc1: 3 });
    expect(formatReplication({ dc2: 2, dc1: 3 })).toBe('dc1:3,dc2:2');
    expect(formatReplication(4)).toBe('4');
    for (const bad of ['', 'dc1', 'dc1:0', 'dc1:3,dc1:2', 'dc1:10,dc2:10', 'dc1:x', '0', '17']) {
      let code: string | undefined;
      try {
        parseReplication(bad);
      } catch (error) {
        code = isHashRingError(error) ? error.code : 'other';
      }
      expect(code, bad).toBe('invalid-argument');
    }
    const ring = HashRing.fromNodes(['a'], { vnodes: 4 });
    expect(() => ring.preferenceList('k', {})).toThrow(/at least one data center/);
    expect(() => ring.preferenceList('k', { dc1: 1.5 })).toThrow(/integer/);
  });

  it('refuses a node whose zone and rack differ, and takes zone as the rack otherwise', () => {
    expect(() => HashRing.fromNodes([{ id: 'a', zone: 'z1', rack: 'r1' }])).toThrow(/alias of rack/);
    expect(HashRing.fromNodes([{ id: 'a', zone: 'z1' }]).node('a')?.rack).toBe('z1');
  });
});
