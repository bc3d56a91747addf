import { describe, expect, it } from 'vitest';
import { codeOf } from '../test/support/code-of.js';
import { DcTally, levelCount, levelPredicate, namedLevels, type Level } from './level.js';

function tally(counts: Record<string, number>): DcTally {
  const t = new DcTally();
  for (const [dc, k] of Object.entries(counts)) t.add(dc, k);
  return t;
}


/** The definition, written independently of level.ts: does a set of acks per DC meet the level? */
function meets(level: Level, counts: Record<string, number>, acks: Record<string, number>, localDc: string): boolean {
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  const total = Object.values(acks).reduce((a, b) => a + b, 0);
  const maj = (k: number): number => Math.floor(k / 2) + 1;
  if (typeof level === 'number') return total >= level;
  if (level === 'one') return total >= 1;
  if (level === 'quorum') return total >= maj(n);
  if (level === 'all') return total >= n;
  if (level === 'local-one') return (acks[localDc] ?? 0) >= 1;
  if (level === 'local-quorum') return (acks[localDc] ?? 0) >= maj(counts[localDc] ?? 0);
  return Object.entries(counts).every(([dc, k]) => (acks[dc] ?? 0) >= maj(k));
}

/** Every way the calls in flight could end: each one acks or fails. */
function outcomes(acks: Record<string, number>, inFlight: Record<string, number>): Record<string, number>[] {
  let out: Record<string, number>[] = [{ ...acks }];
  for (const [dc, k] of Object.entries(inFlight)) {
    const next: Record<string, number>[] = [];
    for (const o of out) for (let extra = 0; extra <= k; extra++) next.push({ ...o, [dc]: (o[dc] ?? 0) + extra });
    out = next;
  }
  return out;
}

describe('levelPredicate', () => {
  it('resolves each named level to the acks it needs in all and per DC (dc1:3, dc2:2, local dc1)', () => {
    const scope = { n: 5, replicasPerDc: new Map([['dc1', 3], ['dc2', 2]]), localDc: 'dc1' };
    const shape = (level: Level) => {
      const p = levelPredicate(level, scope);
      return [p.required, Object.fromEntries(p.perDc)];
    };
    expect(shape('one')).toEqual([1, {}]);
    expect(shape('local-one')).toEqual([1, { dc1: 1 }]);
    expect(shape('quorum')).toEqual([3, {}]);
    expect(shape('local-quorum')).toEqual([2, { dc1: 2 }]);
    expect(shape('each-quorum')).toEqual([4, { dc1: 2, dc2: 2 }]);
    expect(shape('all')).toEqual([5, {}]);
    expect(shape(4)).toEqual([4, {}]);
  });

  it('agrees with the definition for every level, every ack count and every call in flight of small 2-DC clusters', () => {
    let cases = 0;
    for (let a = 1; a <= 3; a++) {
      for (let b = 0; b <= 3; b++) {
        const counts: Record<string, number> = b === 0 ? { dc1: a } : { dc1: a, dc2: b };
        const n = a + b;
        const levels: Level[] = [...namedLevels, ...Array.from({ length: n }, (_, i) => i + 1)];
        for (const localDc of ['dc1', 'dc2']) {
          const scope = { n, replicasPerDc: new Map(Object.entries(counts)), localDc };
          for (const level of levels) {
            if ((level === 'local-one' || level === 'local-quorum') && !(localDc in counts)) {
              expect(codeOf(() => levelPredicate(level, scope))).toBe('no-local-replica');
              continue;
            }
            const p = levelPredicate(level, scope);
            for (let x = 0; x <= a; x++) {
              for (let y = 0; y <= b; y++) {
                const acks = { dc1: x, dc2: y };
                expect(p.satisfied(tally(acks)), JSON.stringify({ level, counts, acks, localDc })).toBe(meets(level, counts, acks, localDc));
                for (let fx = 0; fx <= a - x; fx++) {
                  for (let fy = 0; fy <= b - y; fy++) {
                    const inFlight = { dc1: fx, dc2: fy };
                    const possible = outcomes(acks, inFlight).some((o) => meets(level, counts, o, localDc));
                    expect(p.impossible(tally(acks), tally(inFlight)), JSON.stringify({ level, counts, acks, inFlight, localDc })).toBe(!possible);
                    if (p.satisfied(tally(acks))) expect(p.impossible(tally(acks), tally(inFlight))).toBe(false);
                    cases++;
                  }
                }
              }
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('local-one and local-quorum count only acks from the local DC', () => {
    const p = levelPredicate('local-quorum', { n: 6, replicasPerDc: new Map([['dc1', 3], ['dc2', 3]]), localDc: 'dc2' });
    expect(p.satisfied(tally({ dc1: 3, dc2: 1 }))).toBe(false);
    expect(p.satisfied(tally({ dc2: 2 }))).toBe(true);
    expect(p.impossible(tally({ dc1: 3, dc2: 0 }), tally({ dc2: 1 }))).toBe(true);
  });

  it('each-quorum is impossible as soon as one DC has nothing left in flight, however many acks the others have', () => {
    const p = levelPredicate('each-quorum', { n: 6, replicasPerDc: new Map([['dc1', 3], ['dc2', 3]]), localDc: 'dc1' });
    expect(p.impossible(tally({ dc1: 3 }), tally({}))).toBe(true);
    expect(p.impossible(tally({ dc1: 3 }), tally({ dc2: 2 }))).toBe(false);
  });

  it('in a cluster without DCs (every node in "") the local levels equal the global ones', () => {
    const scope = { n: 3, replicasPerDc: new Map([['', 3]]), localDc: '' };
    expect(levelPredicate('local-quorum', scope).required).toBe(levelPredicate('quorum', scope).required);
    expect(levelPredicate('local-one', scope).satisfied(tally({ '': 1 }))).toBe(true);
    expect(levelPredicate('each-quorum', scope).required).toBe(2);
  });

  it.each([
    ['a count of 0', 0],
    ['a count above N', 4],
    ['a fractional count', 1.5],
    ['an unknown name', 'local_quorum'],
  ])('refuses %s with invalid-argument', (_name, level) => {
    expect(codeOf(() => levelPredicate(level as Level, { n: 3, replicasPerDc: new Map([['', 3]]), localDc: '' }))).toBe('invalid-argument');
  });
});

describe('levelCount', () => {
  it('counts each level over n replicas of any DC, a DC level as its DC-blind counterpart', () => {
    const counts = (n: number) => Object.fromEntries(namedLevels.map((level) => [level, levelCount(level, n)]));
    expect(counts(5)).toEqual({ one: 1, 'local-one': 1, quorum: 3, 'local-quorum': 3, 'each-quorum': 3, all: 5 });
    expect(counts(2)).toEqual({ one: 1, 'local-one': 1, quorum: 2, 'local-quorum': 2, 'each-quorum': 2, all: 2 });
    expect(levelCount(2, 3)).toBe(2);
  });

  it('is the required count of the level predicate of one DC holding all n replicas', () => {
    for (let n = 1; n <= 7; n++) {
      const scope = { n, replicasPerDc: new Map([['', n]]), localDc: '' };
      for (const level of [...namedLevels, ...Array.from({ length: n }, (_, i) => i + 1)]) {
        expect(levelCount(level, n), `${String(level)} of ${n}`).toBe(levelPredicate(level, scope).required);
      }
    }
  });

  it.each([
    ['a count of 0', 0],
    ['a count above n', 4],
    ['an unknown name', 'local_quorum'],
  ])('refuses %s with invalid-argument', (_name, level) => {
    expect(codeOf(() => levelCount(level as Level, 3))).toBe('invalid-argument');
  });
});
