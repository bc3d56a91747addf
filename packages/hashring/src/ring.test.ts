import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { HashRing, ringDiff } from './ring.js';
import { hashKey, hashKeyInto } from './position.js';
import { isHashRingError } from './errors.js';
import { nodesMax, replicasMax, tokensMax, vnodesDefault, vnodesMax, weightMax } from './limits.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isHashRingError(error) ? error.code : `not a HashRingError: ${String(error)}`;
  }
  return undefined;
}

function sampleLists(ring: HashRing, n: number, count: number): string[][] {
  return Array.from({ length: count }, (_, i) => ring.preferenceList(`key-${i}`, n));
}

describe('HashRing membership', () => {
  it('starts empty and answers lookups with empty lists', () => {
    const ring = new HashRing({ vnodes: 8 });
    expect(ring.size).toBe(0);
    expect(ring.tokenCount).toBe(0);
    expect(ring.preferenceList('k', 3)).toEqual([]);
    expect(ring.sloppyPreferenceList('k', 3, new Set(['x']))).toEqual([]);
    expect([...ring.ownership()]).toEqual([]);
  });

  it('uses vnodesDefault tokens per node unless told otherwise', () => {
    const ring = new HashRing().addNode('a');
    expect(ring.vnodes).toBe(vnodesDefault);
    expect(ring.tokenCount).toBe(vnodesDefault);
  });

  it('addNode and removeNode return new rings and leave the receiver unchanged', () => {
    const empty = new HashRing({ vnodes: 16 });
    const one = empty.addNode('a');
    const two = one.addNode({ id: 'b', zone: 'z1' });
    const back = two.removeNode('a');
    expect(empty.size).toBe(0);
    expect(one.nodes().map((n) => n.id)).toEqual(['a']);
    expect(two.nodes()).toEqual([
      { id: 'a', weight: 1, dc: undefined, rack: undefined, machine: undefined, zone: undefined, tokens: 16 },
      { id: 'b', weight: 1, dc: undefined, rack: 'z1', machine: undefined, zone: 'z1', tokens: 16 },
    ]);
    expect(back.nodes().map((n) => n.id)).toEqual(['b']);
    expect(two.hasNode('a')).toBe(true);
    expect(back.hasNode('a')).toBe(false);
    expect(two.node('b')?.zone).toBe('z1');
    expect(two.node('nope')).toBeUndefined();
  });

  it('derives token i of a node from hash(id + "#" + i), round(weight × vnodes) of them', () => {
    const ring = HashRing.fromNodes([{ id: 'node-7', weight: 1.5 }], { vnodes: 10 });
    const expected = Array.from({ length: 15 }, (_, i) => hashKey(`node-7#${i}`)).sort((x, y) => (x < y ? -1 : 1));
    expect(ring.tokens('node-7')).toEqual(expected);
    expect(ring.node('node-7')?.tokens).toBe(15);
  });

  it('gives a tiny weight at least one token', () => {
    expect(HashRing.fromNodes([{ id: 'a', weight: 0.001 }], { vnodes: 4 }).tokenCount).toBe(1);
  });

  it('raising a weight only adds tokens', () => {
    const light = HashRing.fromNodes([{ id: 'a', weight: 1 }], { vnodes: 32 });
    const heavy = light.updateNode({ id: 'a', weight: 2 });
    const heavyTokens = new Set(heavy.tokens('a'));
    expect(heavy.tokenCount).toBe(64);
    expect(light.tokens('a').every((t) => heavyTokens.has(t))).toBe(true);
  });

  it('updateNode changes weight and labels of a member (zone is an alias of rack)', () => {
    const ring = HashRing.fromNodes(['a', 'b'], { vnodes: 8 }).updateNode({ id: 'b', weight: 3, zone: 'east', dc: 'dc1', machine: 'm1' });
    expect(ring.node('b')).toEqual({ id: 'b', weight: 3, dc: 'dc1', rack: 'east', machine: 'm1', zone: 'east', tokens: 24 });
    expect(ring.tokenCount).toBe(32);
  });

  it('builds the same ring from the same members whatever the order of joins and leaves', () => {
    const seed = testSeed(2024);
    const specs = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, weight: 1 + (i % 3), zone: `z${i % 4}` }));
    const reference = HashRing.fromNodes(specs, { vnodes: 24 });
    const probes = sampleLists(reference, 4, 300);
    fc.assert(
      fc.property(fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length }), fc.subarray(specs), (order, churn) => {
        let ring = new HashRing({ vnodes: 24 });
        for (const s of churn) ring = ring.addNode(s);
        for (const s of order) if (!ring.hasNode(s.id)) ring = ring.addNode(s);
        for (const s of churn) ring = ring.removeNode(s.id).addNode(s);
        expect(ring.nodes(), seedNote(seed)).toEqual(reference.nodes());
        for (const s of specs) expect(ring.tokens(s.id), seedNote(seed)).toEqual(reference.tokens(s.id));
        expect(sampleLists(ring, 4, 300), seedNote(seed)).toEqual(probes);
        expect(ring.ranges('n3', 3), seedNote(seed)).toEqual(reference.ranges('n3', 3));
      }),
      { seed, numRuns: 25 },
    );
  });

  it('gives a node of weight 2 about twice the share of a node of weight 1', () => {
    const specs = Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, weight: i < 4 ? 1 : 2 }));
    const shares = HashRing.fromNodes(specs, { vnodes: 256 }).ownership(1);
    const light = [0, 1, 2, 3].reduce((s, i) => s + (shares.get(`n${i}`)?.primary ?? 0), 0);
    const heavy = [4, 5, 6, 7].reduce((s, i) => s + (shares.get(`n${i}`)?.primary ?? 0), 0);
    expect(heavy / light).toBeGreaterThan(1.7);
    expect(heavy / light).toBeLessThan(2.3);
  });
});

describe('HashRing errors', () => {
  it('rejects a duplicate node with duplicate-node', () => {
    const ring = new HashRing({ vnodes: 4 }).addNode('a');
    expect(codeOf(() => ring.addNode({ id: 'a', weight: 2 }))).toBe('duplicate-node');
    expect(codeOf(() => HashRing.fromNodes(['a', 'b', 'a']))).toBe('duplicate-node');
  });

  it('rejects removing, updating or querying a non-member with unknown-node', () => {
    const ring = new HashRing({ vnodes: 4 }).addNode('a');
    expect(codeOf(() => ring.removeNode('b'))).toBe('unknown-node');
    expect(codeOf(() => ring.updateNode({ id: 'b' }))).toBe('unknown-node');
    expect(codeOf(() => ring.ranges('b'))).toBe('unknown-node');
    expect(codeOf(() => ring.tokens('b'))).toBe('unknown-node');
  });

  it('rejects malformed options, specs and replica counts with invalid-argument', () => {
    const ring = new HashRing({ vnodes: 4 }).addNode('a');
    for (const vnodes of [0, -1, 1.5, vnodesMax + 1, Number.NaN]) {
      expect(codeOf(() => new HashRing({ vnodes })), `vnodes ${vnodes}`).toBe('invalid-argument');
    }
    for (const spec of ['', 'x'.repeat(257), { id: 'w', weight: 0 }, { id: 'w', weight: -1 }, { id: 'w', weight: weightMax + 1 }, { id: 'w', weight: Number.POSITIVE_INFINITY }, { id: 'w', zone: '' }, { id: 3 }]) {
      expect(codeOf(() => ring.addNode(spec as never)), JSON.stringify(spec)).toBe('invalid-argument');
    }
    for (const n of [0, -1, 2.5, replicasMax + 1, Number.NaN]) {
      expect(codeOf(() => ring.preferenceList('k', n)), `n ${n}`).toBe('invalid-argument');
      expect(codeOf(() => ring.sloppyPreferenceList('k', n, new Set())), `n ${n}`).toBe('invalid-argument');
      expect(codeOf(() => ring.ranges('a', n)), `n ${n}`).toBe('invalid-argument');
      expect(codeOf(() => ring.ownership(n)), `n ${n}`).toBe('invalid-argument');
    }
    expect(codeOf(() => ring.preferenceListAt(-5n, 3))).toBe('invalid-argument');
    expect(codeOf(() => ring.sloppyPreferenceList('k', 3, ['a'] as unknown as Set<string>))).toBe('invalid-argument');
    expect(codeOf(() => ringDiff(ring, {} as HashRing, 3))).toBe('invalid-argument');
    expect(codeOf(() => ringDiff(ring, ring, 0))).toBe('invalid-argument');
  });

  it('refuses to grow past nodesMax or tokensMax with limit-exceeded, before hashing anything', () => {
    const many = Array.from({ length: nodesMax + 1 }, (_, i) => `n${i}`);
    expect(codeOf(() => HashRing.fromNodes(many, { vnodes: 1 }))).toBe('limit-exceeded');
    const full = HashRing.fromNodes(many.slice(0, nodesMax), { vnodes: 1 });
    expect(codeOf(() => full.addNode('one-more'))).toBe('limit-exceeded');
    const heavy = Array.from({ length: 5 }, (_, i) => ({ id: `h${i}`, weight: weightMax }));
    expect(weightMax * vnodesMax * 5).toBeGreaterThan(tokensMax);
    expect(codeOf(() => HashRing.fromNodes(heavy, { vnodes: vnodesMax }))).toBe('limit-exceeded');
  });

  it('prefixes messages with the package name', () => {
    try {
      new HashRing().removeNode('ghost');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^hashring: /);
      expect((error as Error).name).toBe('HashRingError');
    }
  });
});

describe('preferenceList', () => {
  it('returns n distinct physical nodes, or all of them when n exceeds the ring', () => {
    const seed = testSeed(31);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: replicasMax }),
        fc.array(fc.string(), { minLength: 1, maxLength: 20 }),
        (size, vnodes, n, keys) => {
          const ring = HashRing.fromNodes(Array.from({ length: size }, (_, i) => `node-${i}`), { vnodes });
          for (const key of keys) {
            const list = ring.preferenceList(key, n);
            expect(list.length, seedNote(seed)).toBe(Math.min(n, size));
            expect(new Set(list).size, seedNote(seed)).toBe(list.length);
          }
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('covers min(n, zones) distinct zones before repeating one', () => {
    const seed = testSeed(32);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.string(), { minLength: 1, maxLength: 20 }),
        (zoneOfNode, n, keys) => {
          const specs = zoneOfNode.map((z, i) => ({ id: `node-${i}`, zone: `zone-${z}` }));
          const ring = HashRing.fromNodes(specs, { vnodes: 16 });
          const zoneCount = new Set(zoneOfNode).size;
          for (const key of keys) {
            const list = ring.preferenceList(key, n);
            const zones = list.map((id) => ring.node(id)?.zone);
            const head = zones.slice(0, Math.min(n, zoneCount));
            expect(new Set(head).size, seedNote(seed)).toBe(head.length);
            expect(new Set(list).size, seedNote(seed)).toBe(list.length);
          }
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('agrees for a key, its precomputed position and its position bytes', () => {
    const ring = HashRing.fromNodes(['a', 'b', 'c', 'd'], { vnodes: 16 });
    const seed = testSeed(33);
    const rng = new Rng(seed);
    const stored = new Uint8Array(40);
    for (let i = 0; i < 200; i++) {
      const key = rng.bytes(rng.int(30));
      const expected = ring.preferenceList(key, 3);
      expect(ring.preferenceListAt(hashKey(key), 3), seedNote(seed)).toEqual(expected);
      hashKeyInto(key, stored, 1);
      expect(ring.preferenceListAtBytes(stored, 1, 3), seedNote(seed)).toEqual(expected);
    }
    expect(codeOf(() => ring.preferenceListAtBytes(stored, 33, 3))).toBe('invalid-argument');
  });
});
