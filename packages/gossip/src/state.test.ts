import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { beat, deltaSince, initialState, merge, write, type MemberDelta, type MemberState } from './state.js';

const seed = testSeed(31337);

function member(id = 'a', generation = 1): MemberState {
  return initialState({ id, generation, address: `${id}:7000`, status: 'normal', vnodes: 64, weight: 1, zone: 'z1' });
}

/** The owner's history: a sequence of heartbeats and writes, with the delta of every version. */
function history(rng: Rng, steps: number): MemberState[] {
  const states = [member()];
  for (let i = 0; i < steps; i++) {
    const s = states.at(-1) as MemberState;
    const op = rng.int(5);
    if (op === 0) states.push(write(s, 'zone', `z${rng.int(4)}`));
    else if (op === 1) states.push(write(s, 'weight', 1 + rng.int(3)));
    else if (op === 2) states.push(write(s, 'suspects', [[`m${rng.int(3)}`, 1, rng.int(50)]]));
    else states.push(beat(s));
  }
  return states;
}

function apply(start: MemberState | undefined, deltas: readonly MemberDelta[]): MemberState | undefined {
  return deltas.reduce<MemberState | undefined>((acc, d) => merge(acc, d).state, start);
}

describe('member state merge', () => {
  it('any order of the same deltas gives the owner’s latest state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (steps, shuffleSeed) => {
        const rng = new Rng(shuffleSeed);
        const states = history(rng, steps);
        // Deltas between random known versions, as peers with different knowledge would send them.
        const deltas = states.map((s) => deltaSince(s, rng.int(s.version + 1)));
        deltas.push(deltaSince(states.at(-1) as MemberState, 0));
        const a = apply(undefined, rng.shuffle(deltas));
        const b = apply(undefined, rng.shuffle(deltas));
        expect(a).toEqual(states.at(-1));
        expect(b).toEqual(a);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('merging is idempotent: a delta applied twice changes nothing the second time', () => {
    const s = beat(write(member(), 'zone', 'z2'));
    const once = merge(member(), deltaSince(s, 1));
    const twice = merge(once.state, deltaSince(s, 1));
    expect(once.kind).toBe('update');
    expect(twice.kind).toBe('none');
    expect(twice.state).toEqual(s);
  });

  it('sends only the fields newer than the version the peer holds', () => {
    const s = beat(write(beat(member()), 'weight', 2));
    expect(deltaSince(s, s.version - 1)).toEqual({ i: 'a', g: 1, hb: s.heartbeat });
    expect(Object.keys(deltaSince(s, 2)).sort()).toEqual(['g', 'hb', 'i', 'wt']);
    expect(Object.keys(deltaSince(s, 0)).sort()).toEqual(['ad', 'g', 'hb', 'i', 'mt', 'st', 'su', 'vn', 'wt', 'zn']);
    // dc and machine travel once set (and are left out while default, for nodes that predate them).
    const labelled = write(write(s, 'dc', 'dc1'), 'machine', 'host-a');
    expect(Object.keys(deltaSince(labelled, 0)).sort()).toEqual(['ad', 'dc', 'g', 'hb', 'i', 'mc', 'mt', 'st', 'su', 'vn', 'wt', 'zn']);
  });

  it('creates an entry from a whole delta without meta (a node that predates it) with meta empty', () => {
    const { mt: _mt, ...old } = deltaSince(beat(member()), 0);
    const merged = merge(undefined, old);
    expect(merged.kind).toBe('new');
    expect(merged.state?.meta).toEqual({ value: '', version: 1 });
  });

  it('creates an entry from a whole delta without dc and machine (a node that predates them) with both empty', () => {
    const { dc: _dc, mc: _mc, ...old } = deltaSince(beat(member()), 0);
    const merged = merge(undefined, old);
    expect(merged.kind).toBe('new');
    expect(merged.state?.dc).toEqual({ value: '', version: 1 });
    expect(merged.state?.machine).toEqual({ value: '', version: 1 });
  });

  it('carries a rewritten meta to a peer as a changed field', () => {
    const s = write(beat(member()), 'meta', 'n=3 r=2');
    const merged = merge(member(), deltaSince(s, 1));
    expect(merged.changed).toEqual(['meta']);
    expect(merged.state?.meta.value).toBe('n=3 r=2');
  });

  it('a higher generation replaces the entry and reports a restart; a lower one is ignored', () => {
    const old = beat(beat(member('a', 1)));
    const restarted = member('a', 2);
    const result = merge(old, deltaSince(restarted, 0));
    expect(result.kind).toBe('restart');
    expect(result.state).toEqual(restarted);
    expect(merge(restarted, deltaSince(old, 0)).kind).toBe('none');
  });

  it('ignores a partial delta for an unknown member or a newer generation', () => {
    const s = beat(member('b', 3));
    expect(merge(undefined, { i: 'b', g: 3, hb: s.heartbeat }).kind).toBe('none');
    expect(merge(member('b', 2), { i: 'b', g: 3, hb: s.heartbeat }).kind).toBe('none');
  });

  it('reports which fields changed value and whether the heartbeat advanced', () => {
    const base = member();
    const next = beat(write(write(base, 'zone', 'z9'), 'vnodes', 64));
    const result = merge(base, deltaSince(next, base.version));
    expect(result.heartbeatAdvanced).toBe(true);
    expect(result.changed, seedNote(seed)).toEqual(['zone']);
  });
});
