/** The nemesis schedule: a pure function of its seed, serial, bounded, well-formed targets. */
import { describe, expect, it } from 'vitest';
import { defaultFaultKinds, faultKinds, isChaosError, makeSchedule, processFaultKinds, SeededRandom, type FaultEvent } from '../src/index.js';
import { faultHoldMsMax } from '../src/limits.js';

const seed = Number(process.env.SEED ?? 4242);
const note = `SEED=${seed}`;
const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('makeSchedule', () => {
  it('gives the same schedule for the same seed and a different one for another seed', () => {
    const a = makeSchedule({ seed, durationMs: 120_000, nodes });
    expect(makeSchedule({ seed, durationMs: 120_000, nodes }), note).toEqual(a);
    expect(makeSchedule({ seed: seed + 1, durationMs: 120_000, nodes }), note).not.toEqual(a);
  });

  it('runs faults one after another and heals each within the phase', () => {
    for (let s = seed; s < seed + 50; s++) {
      const events = makeSchedule({ seed: s, durationMs: 60_000, nodes });
      expect(events.length, `SEED=${s}`).toBeGreaterThan(5);
      let freeAtMs = 0;
      for (const e of events) {
        expect(e.atMs, `SEED=${s}`).toBeGreaterThan(freeAtMs);
        expect(e.holdMs, `SEED=${s}`).toBeLessThanOrEqual(faultHoldMsMax);
        freeAtMs = e.atMs + e.holdMs;
      }
      expect(freeAtMs, `SEED=${s}`).toBeLessThanOrEqual(60_000);
    }
  });

  it('draws disjoint, non-empty partition groups of cluster members, and one member for single-node faults', () => {
    const seen = new Set<string>();
    for (let s = seed; s < seed + 50; s++) {
      for (const e of makeSchedule({ seed: s, durationMs: 60_000, nodes })) {
        seen.add(e.kind);
        const all = [...e.nodes, ...e.others, ...(e.bridge === undefined ? [] : [e.bridge])];
        expect(new Set(all).size, `SEED=${s} ${e.kind}`).toBe(all.length);
        for (const id of all) expect(nodes, `SEED=${s}`).toContain(id);
        expect(e.nodes.length, `SEED=${s}`).toBeGreaterThan(0);
        if (isPartition(e)) {
          expect(e.others.length, `SEED=${s}`).toBeGreaterThan(0);
          expect(all.length, `SEED=${s} ${e.kind}`).toBe(nodes.length);
        } else expect(e.nodes.length, `SEED=${s}`).toBe(1);
      }
    }
    expect([...seen].sort(), note).toEqual([...defaultFaultKinds].sort());
  });

  it('draws wipe by default, and only the kinds asked for when told', () => {
    expect(defaultFaultKinds).toContain('wipe');
    const events = makeSchedule({ seed, durationMs: 120_000, nodes, kinds: ['wipe', 'kill'], overlap: true });
    expect(events.some((e) => e.kind === 'wipe'), note).toBe(true);
    expect(events.every((e) => e.kind === 'wipe' || e.kind === 'kill'), note).toBe(true);
  });

  it('with overlap, runs kills and pauses in a lane of their own beside the network faults, each lane serial', () => {
    const events = makeSchedule({ seed, durationMs: 120_000, nodes, overlap: true });
    for (const lane of [0, 1] as const) {
      const mine = events.filter((e) => e.lane === lane);
      expect(mine.length, note).toBeGreaterThan(3);
      for (const e of mine) expect(processFaultKinds.includes(e.kind), `${note} ${e.kind} in lane ${lane}`).toBe(lane === 1);
      for (let i = 1; i < mine.length; i++) {
        const prev = mine[i - 1] as FaultEvent;
        expect((mine[i] as FaultEvent).atMs, note).toBeGreaterThan(prev.atMs + prev.holdMs);
      }
    }
    const overlapping = events.some((a) => a.lane === 1 && events.some((b) => b.lane === 0 && b.atMs < a.atMs + a.holdMs && a.atMs < b.atMs + b.holdMs));
    expect(overlapping, note).toBe(true);
    expect(makeSchedule({ seed, durationMs: 120_000, nodes }).every((e) => e.lane === 0), note).toBe(true);
  });

  it('leaves restart and disk-full out of the default kinds (the README\'s seeds keep their schedules) and runs it as a single-node process fault', () => {
    expect(defaultFaultKinds).toEqual(faultKinds.filter((k) => k !== 'restart' && k !== 'disk-full'));
    const events = makeSchedule({ seed, durationMs: 60_000, nodes, kinds: ['restart'] });
    expect(events.length, note).toBeGreaterThan(5);
    expect(events.every((e) => e.kind === 'restart' && e.nodes.length === 1 && e.others.length === 0), note).toBe(true);
    expect(processFaultKinds).toContain('restart');
  });

  it('draws only the kinds asked for', () => {
    const events = makeSchedule({ seed, durationMs: 60_000, nodes, kinds: ['kill', 'isolate'] });
    expect(new Set(events.map((e) => e.kind)), note).toEqual(new Set(['kill', 'isolate']));
  });

  it('refuses an unknown kind, an empty kind list and fewer than three nodes', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (error) {
        return isChaosError(error) ? error.code : String(error);
      }
      return undefined;
    };
    expect(code(() => makeSchedule({ seed, durationMs: 10_000, nodes, kinds: ['flood' as never] }))).toBe('invalid-option');
    expect(code(() => makeSchedule({ seed, durationMs: 10_000, nodes, kinds: [] }))).toBe('invalid-option');
    expect(code(() => makeSchedule({ seed, durationMs: 10_000, nodes: ['n1', 'n2'] }))).toBe('invalid-option');
  });
});

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = new SeededRandom(seed);
    const b = new SeededRandom(seed);
    for (let i = 0; i < 1_000; i++) {
      const x = a.next();
      expect(b.next(), note).toBe(x);
      expect(x >= 0 && x < 1, note).toBe(true);
      const k = a.between(3, 5);
      b.between(3, 5);
      expect(k >= 3 && k <= 5, note).toBe(true);
    }
  });
});

function isPartition(e: FaultEvent): boolean {
  return e.kind === 'partition-halves' || e.kind === 'isolate' || e.kind === 'one-way' || e.kind === 'bridge';
}
