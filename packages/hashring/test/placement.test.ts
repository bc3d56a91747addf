import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { HashRing, type NodeSpec } from '../src/index.js';
import { edgePositions, refPreferenceList, refRing, refSloppy } from './reference.js';

/** A random ring: 1–10 nodes, some weighted, zones on some runs, few vnodes so edges are frequent. */
function randomRing(rng: Rng): HashRing {
  const size = rng.between(1, 10);
  const zones = rng.chance(0.5) ? rng.between(1, 4) : 0;
  const specs: NodeSpec[] = Array.from({ length: size }, (_, i) => ({
    id: `n${i}-${rng.int(1000)}`,
    weight: rng.pick([1, 1, 2, 0.5]),
    ...(zones > 0 ? { zone: `z${rng.int(zones)}` } : {}),
  }));
  return HashRing.fromNodes(specs, { vnodes: rng.between(1, 12) });
}

function randomPosition(rng: Rng): bigint {
  return (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32());
}

describe('preferenceList against a bigint reference walk', () => {
  it('matches the reference at random positions and at every token edge', () => {
    const seed = testSeed(501);
    const rng = new Rng(seed);
    for (let trial = 0; trial < 60; trial++) {
      const ring = randomRing(rng);
      const ref = refRing(ring);
      const n = rng.between(1, 6);
      const positions = [...edgePositions(ref), ...Array.from({ length: 50 }, () => randomPosition(rng))];
      for (const p of positions) {
        expect(ring.preferenceListAt(p, n), `trial ${trial} position ${p} ${seedNote(seed)}`).toEqual(refPreferenceList(ref, p, n));
      }
    }
  });

  it('starts with the owner of the first token at or after the position, wrapping past the last', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c'], { vnodes: 4 });
    const ref = refRing(ring);
    const first = ref.tokens[0] as { pos: bigint; id: string };
    const last = ref.tokens[ref.tokens.length - 1] as { pos: bigint; id: string };
    expect(ring.preferenceListAt(first.pos, 1)).toEqual([first.id]);
    expect(ring.preferenceListAt(last.pos, 1)).toEqual([last.id]);
    expect(ring.preferenceListAt(last.pos + 1n, 1)).toEqual([first.id]);
    expect(ring.preferenceListAt(0n, 1)).toEqual([first.id]);
  });

  it('skips further tokens of a physical node already chosen', () => {
    // Two nodes, many vnodes: consecutive tokens of one node are common, yet n = 2 always yields both.
    const ring = HashRing.fromNodes(['a', 'b'], { vnodes: 64 });
    const ref = refRing(ring);
    let runs = 0;
    ref.tokens.forEach((t, i) => {
      if (ref.tokens[i + 1]?.id === t.id) runs++;
      expect(new Set(ring.preferenceListAt(t.pos, 2))).toEqual(new Set(['a', 'b']));
    });
    expect(runs).toBeGreaterThan(0);
  });

  it('fills with same-zone nodes clockwise once every zone is used', () => {
    const ring = HashRing.fromNodes(
      [
        { id: 'a1', zone: 'a' },
        { id: 'a2', zone: 'a' },
        { id: 'a3', zone: 'a' },
        { id: 'b1', zone: 'b' },
      ],
      { vnodes: 8 },
    );
    for (let i = 0; i < 100; i++) {
      const list = ring.preferenceList(`k${i}`, 3);
      expect(list).toContain('b1');
      expect(list.slice(0, 2).map((id) => id[0]).sort()).toEqual(['a', 'b']);
      expect(list).toHaveLength(3);
    }
  });
});

describe('sloppyPreferenceList', () => {
  it('is the preference list with no hint targets when nothing is down', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c', 'd', 'e'], { vnodes: 16 });
    for (let i = 0; i < 50; i++) {
      expect(ring.sloppyPreferenceList(`k${i}`, 3, new Set())).toEqual(ring.preferenceList(`k${i}`, 3).map((node) => ({ node })));
    }
  });

  it('keeps healthy primaries in place and pairs each stand-in with the down primary it replaces', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c', 'd', 'e', 'f'], { vnodes: 16 });
    for (let i = 0; i < 100; i++) {
      const key = `k${i}`;
      const primaries = ring.preferenceList(key, 3);
      const down = new Set([primaries[1] as string]);
      const sloppy = ring.sloppyPreferenceList(key, 3, down);
      const beyond = ring.preferenceList(key, 4)[3];
      expect(sloppy).toEqual([{ node: primaries[0] }, { node: beyond, hintFor: primaries[1] }, { node: primaries[2] }]);
    }
  });

  it('returns min(n, healthy nodes) entries, never a down node, and ignores ids that are not members', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c', 'd'], { vnodes: 8 });
    expect(ring.sloppyPreferenceList('k', 3, new Set(['a', 'b', 'c', 'd']))).toEqual([]);
    const threeDown = ring.sloppyPreferenceList('k', 3, new Set(['a', 'b', 'c', 'ghost']));
    expect(threeDown.map((e) => e.node)).toEqual(['d']);
    const twoDown = ring.sloppyPreferenceList('k', 3, new Set(['a', 'b']));
    expect(twoDown.map((e) => e.node).sort()).toEqual(['c', 'd']);
  });

  it('matches the reference on random rings and random down sets', () => {
    const seed = testSeed(502);
    const rng = new Rng(seed);
    for (let trial = 0; trial < 80; trial++) {
      const ring = randomRing(rng);
      const ref = refRing(ring);
      const ids = ring.nodes().map((node) => node.id);
      const down = new Set(ids.filter(() => rng.chance(0.35)));
      if (rng.chance(0.2)) down.add('not-a-member');
      const n = rng.between(1, 5);
      const healthy = ids.filter((id) => !down.has(id)).length;
      for (let k = 0; k < 30; k++) {
        const p = randomPosition(rng);
        const got = ring.sloppyPreferenceListAt(p, n, down);
        const note = `trial ${trial} position ${p} ${seedNote(seed)}`;
        expect(got, note).toEqual(refSloppy(ref, p, n, down));
        expect(got.length, note).toBe(Math.min(n, healthy));
        expect(got.every((e) => !down.has(e.node)), note).toBe(true);
        expect(new Set(got.map((e) => e.node)).size, note).toBe(got.length);
        const primaries = ring.preferenceListAt(p, n);
        for (const e of got) {
          if (e.hintFor === undefined) expect(primaries, note).toContain(e.node);
          else {
            expect(primaries, note).not.toContain(e.node);
            expect(down.has(e.hintFor), note).toBe(true);
          }
        }
      }
    }
  });

  it('prefers a stand-in from a zone the healthy replicas do not cover', () => {
    const ring = HashRing.fromNodes(
      [
        { id: 'a1', zone: 'a' },
        { id: 'a2', zone: 'a' },
        { id: 'b1', zone: 'b' },
        { id: 'b2', zone: 'b' },
        { id: 'c1', zone: 'c' },
        { id: 'c2', zone: 'c' },
      ],
      { vnodes: 16 },
    );
    const seed = testSeed(503);
    fc.assert(
      fc.property(fc.string(), (key) => {
        const [p0, p1, p2] = ring.preferenceList(key, 3) as [string, string, string];
        const sloppy = ring.sloppyPreferenceList(key, 3, new Set([p1]));
        const standIn = sloppy[1]?.node as string;
        // The healthy primaries cover two zones; the stand-in comes from the third, which is p1's zone.
        expect(standIn[0], seedNote(seed)).toBe(p1[0]);
        expect(sloppy.map((e) => e.node[0]).sort(), seedNote(seed)).toEqual(['a', 'b', 'c']);
        expect(sloppy[0]?.node, seedNote(seed)).toBe(p0);
        expect(sloppy[2]?.node, seedNote(seed)).toBe(p2);
      }),
      { seed, numRuns: 200 },
    );
  });
});
