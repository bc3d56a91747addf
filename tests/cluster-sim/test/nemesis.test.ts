/** The nemesis schedule: seeded, within its window, and within its invariants (nemesis.ts). */
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { faultKinds, planFaults, profileKinds, profileNames, isClusterSimError } from '../src/index.js';

const seed = testSeed(99);
const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const clients = ['c1', 'c2'];

describe('nemesis schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planFaults(new Rng(seed), faultKinds, nodes, clients, 20, 8_000);
    expect(planFaults(new Rng(seed), faultKinds, nodes, clients, 20, 8_000), seedNote(seed)).toEqual(a);
    expect(planFaults(new Rng(seed + 1), faultKinds, nodes, clients, 20, 8_000), seedNote(seed)).not.toEqual(a);
  });

  it('never overlaps node faults on one node, wipes at most once, and stays within the window', () => {
    for (let s = seed; s < seed + 200; s++) {
      const plan = planFaults(new Rng(s), profileKinds('all'), nodes, clients, 12, 8_000);
      expect(plan.every((e) => e.atMs >= 0 && e.atMs < 8_000), seedNote(s)).toBe(true);
      expect(plan.filter((e) => e.kind === 'wipe').length, seedNote(s)).toBeLessThanOrEqual(1);
      const nodeFaults = plan.filter((e) => e.kind === 'kill' || e.kind === 'pause' || e.kind === 'wipe');
      for (const [i, e] of nodeFaults.entries()) {
        for (const f of nodeFaults.slice(i + 1)) if (f.nodes[0] === e.nodes[0]) expect(f.atMs, seedNote(s)).toBeGreaterThan(e.atMs + e.durationMs);
      }
    }
  });

  it('draws only the kinds of its profile, and refuses an unknown profile', () => {
    for (const name of profileNames) {
      const kinds = new Set(profileKinds(name));
      const plan = planFaults(new Rng(seed), profileKinds(name), nodes, clients, 30, 8_000);
      expect(plan.every((e) => kinds.has(e.kind)), `${name} ${seedNote(seed)}`).toBe(true);
    }
    let caught: unknown;
    try {
      profileKinds('nope');
    } catch (error) {
      caught = error;
    }
    expect(isClusterSimError(caught) && caught.code === 'unknown-profile').toBe(true);
  });
});
