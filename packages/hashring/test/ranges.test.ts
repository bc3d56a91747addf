import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { HashRing, positionMax, rangeContains, ringDiff, type NodeSpec, type RangeChange, type RingRange } from '../src/index.js';
import { edgePositions, refRing } from './reference.js';

function randomPosition(rng: Rng): bigint {
  return (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32());
}

function randomSpecs(rng: Rng, count: number, zones: number): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `n${i}`,
    weight: rng.pick([1, 1, 2]),
    ...(zones > 0 ? { zone: `z${rng.int(zones)}` } : {}),
  }));
}

/** Positions in (start, end], wrapping; the whole ring when start = end. */
function rangeSize(r: RingRange): bigint {
  const size = (r.end - r.start) & positionMax;
  return size === 0n ? 1n << 64n : size;
}

function probes(rng: Rng, ...rings: HashRing[]): bigint[] {
  const edges = rings.flatMap((ring) => edgePositions(refRing(ring)));
  return [...edges, ...Array.from({ length: 400 }, () => randomPosition(rng))];
}

describe('ranges', () => {
  it('contain a position exactly when the node is in its preference list, with its place', () => {
    const seed = testSeed(601);
    const rng = new Rng(seed);
    for (let trial = 0; trial < 25; trial++) {
      const ring = HashRing.fromNodes(randomSpecs(rng, rng.between(1, 8), rng.chance(0.5) ? 3 : 0), { vnodes: rng.between(1, 10) });
      const n = rng.between(1, 4);
      const ranges = new Map(ring.nodes().map((node) => [node.id, ring.ranges(node.id, n)] as const));
      for (const p of probes(rng, ring)) {
        const list = ring.preferenceListAt(p, n);
        for (const [id, owned] of ranges) {
          const hits = owned.filter((r) => rangeContains(r, p));
          const note = `trial ${trial} node ${id} position ${p} ${seedNote(seed)}`;
          expect(hits.length, note).toBe(list.includes(id) ? 1 : 0);
          if (hits.length === 1) expect(hits[0]?.replica, note).toBe(list.indexOf(id));
        }
      }
    }
  });

  it('of a single-token ring are the whole ring, written start = end', () => {
    const ring = HashRing.fromNodes(['solo'], { vnodes: 1 });
    const [token] = ring.tokens('solo');
    expect(ring.ranges('solo', 3)).toEqual([{ start: token, end: token, replica: 0 }]);
    expect(ring.ownership(3).get('solo')).toEqual({ primary: 1, replica: 1 });
  });

  it('are coalesced: no two ranges of a node touch with the same place', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c', 'd'], { vnodes: 32 });
    for (const node of ring.nodes()) {
      const ranges = ring.ranges(node.id, 2);
      for (let i = 0; i < ranges.length; i++) {
        const next = ranges[(i + 1) % ranges.length];
        if (ranges.length > 1 && next !== undefined && ranges[i]?.end === next.start) {
          expect(next.replica).not.toBe(ranges[i]?.replica);
        }
      }
    }
  });

  it('of every node with n = size cover the whole ring once each', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c'], { vnodes: 16 });
    for (const node of ring.nodes()) {
      const total = ring.ranges(node.id, 3).reduce((s, r) => s + rangeSize(r), 0n);
      expect(total).toBe(1n << 64n);
    }
  });
});

describe('ownership', () => {
  it('sums to 1 over primaries and to min(n, size) over replicas, and matches the ranges', () => {
    const seed = testSeed(602);
    const rng = new Rng(seed);
    const ring = HashRing.fromNodes(randomSpecs(rng, 7, 3), { vnodes: 20 });
    for (const n of [1, 3, 7, 9]) {
      const shares = ring.ownership(n);
      let primary = 0;
      let replica = 0;
      for (const [id, share] of shares) {
        primary += share.primary;
        replica += share.replica;
        const ranges = ring.ranges(id, n);
        const fromRanges = Number(ranges.reduce((s, r) => s + rangeSize(r), 0n)) / 2 ** 64;
        const fromPrimary = Number(ranges.filter((r) => r.replica === 0).reduce((s, r) => s + rangeSize(r), 0n)) / 2 ** 64;
        expect(share.replica, `${id} n=${n} ${seedNote(seed)}`).toBeCloseTo(fromRanges, 9);
        expect(share.primary, `${id} n=${n} ${seedNote(seed)}`).toBeCloseTo(fromPrimary, 9);
      }
      expect(primary).toBeCloseTo(1, 9);
      expect(replica).toBeCloseTo(Math.min(n, 7), 9);
    }
  });
});

/** Checks a diff against the replica lists of both rings at many positions. */
function checkDiff(before: HashRing, after: HashRing, n: number, changes: RangeChange[], rng: Rng, note: string): void {
  for (const p of probes(rng, before, after)) {
    const old = before.preferenceListAt(p, n);
    const now = after.preferenceListAt(p, n);
    const changed = old.length !== now.length || old.some((id) => !now.includes(id));
    const hits = changes.filter((c) => rangeContains(c, p));
    expect(hits.length, `${note} position ${p}`).toBe(changed ? 1 : 0);
    const hit = hits[0];
    if (hit !== undefined) {
      expect(hit.before, `${note} position ${p}`).toEqual(old);
      expect(hit.after, `${note} position ${p}`).toEqual(now);
      expect(hit.gained, `${note} position ${p}`).toEqual(now.filter((id) => !old.includes(id)));
      expect(hit.lost, `${note} position ${p}`).toEqual(old.filter((id) => !now.includes(id)));
    }
  }
}

describe('ringDiff', () => {
  it('lists exactly the ranges whose replica set changes on random joins, leaves and reweights', () => {
    const seed = testSeed(603);
    const rng = new Rng(seed);
    for (let trial = 0; trial < 30; trial++) {
      const zones = rng.chance(0.4) ? 3 : 0;
      const specs = randomSpecs(rng, rng.between(1, 8), zones);
      const before = HashRing.fromNodes(specs, { vnodes: rng.between(1, 10) });
      let after = before;
      for (let step = rng.between(1, 3); step > 0; step--) {
        const ids = after.nodes().map((node) => node.id);
        const op = rng.int(3);
        if (op === 0 || ids.length === 0) after = after.addNode({ id: `new${trial}-${step}`, ...(zones > 0 ? { zone: `z${rng.int(zones)}` } : {}) });
        else if (op === 1) after = after.removeNode(rng.pick(ids));
        else after = after.updateNode({ id: rng.pick(ids), weight: rng.pick([0.5, 2, 3]) });
      }
      const n = rng.between(1, 4);
      checkDiff(before, after, n, ringDiff(before, after, n), rng, `trial ${trial} n=${n} ${seedNote(seed)}`);
    }
  });

  it('compares replicas by id when a leave renumbers the remaining members (regression)', () => {
    // Member indexes follow id order, so removing 'a' shifts every other index; an
    // early version compared indexes across rings and listed unchanged ranges.
    const before = HashRing.fromNodes(['a', 'b', 'c', 'd', 'e'], { vnodes: 16 });
    const after = before.removeNode('a');
    const changes = ringDiff(before, after, 2);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(c.lost).toEqual(['a']);
      expect(c.gained).toHaveLength(1);
    }
    const moved = changes.reduce((s, c) => s + rangeSize(c), 0n);
    expect(Number(moved) / 2 ** 64).toBeCloseTo(before.ownership(2).get('a')?.replica ?? 0, 9);
  });

  it('is empty between a ring and itself or an equal ring built another way', () => {
    const a = HashRing.fromNodes(['x', 'y', 'z'], { vnodes: 16 });
    const b = new HashRing({ vnodes: 16 }).addNode('z').addNode('x').addNode('y');
    expect(ringDiff(a, a, 3)).toEqual([]);
    expect(ringDiff(a, b, 2)).toEqual([]);
  });

  it('from an empty ring is the whole ring, gained by every replica', () => {
    const ring = HashRing.fromNodes(['a', 'b'], { vnodes: 8 });
    const changes = ringDiff(new HashRing({ vnodes: 8 }), ring, 3);
    const total = changes.reduce((s, c) => s + rangeSize(c), 0n);
    expect(total).toBe(1n << 64n);
    for (const c of changes) {
      expect(c.before).toEqual([]);
      expect(c.gained.slice().sort()).toEqual(['a', 'b']);
    }
  });

  it('on a join streams only ranges the new node gains, from their old replicas', () => {
    const before = HashRing.fromNodes(['a', 'b', 'c', 'd'], { vnodes: 32 });
    const after = before.addNode('e');
    const changes = ringDiff(before, after, 3);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(c.gained).toEqual(['e']);
      expect(c.lost).toHaveLength(1);
    }
    const moved = changes.reduce((s, c) => s + rangeSize(c), 0n);
    const share = after.ownership(3).get('e')?.replica ?? 0;
    expect(Number(moved) / 2 ** 64).toBeCloseTo(share, 9);
  });
});
