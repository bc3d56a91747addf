import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testSeed } from '@ringkv/sim';
import { parseMessage } from './messages.js';
import { deltaSince, initialState } from './state.js';

const seed = testSeed(777);
const envelope = { c: 'ringkv', f: 'n1', fg: 1, fa: 'n1' };
const full = deltaSince(initialState({ id: 'n2', generation: 4, address: 'n2', status: 'normal', vnodes: 8, weight: 1, zone: '' }), 0);

describe('parseMessage', () => {
  it('accepts the three well-formed messages', () => {
    expect(parseMessage({ ...envelope, t: 'syn', d: [['n1', 1, 5]] })).toBeDefined();
    expect(parseMessage({ ...envelope, t: 'ack', u: [full], r: [['n3', 2, 0]] })).toBeDefined();
    expect(parseMessage({ ...envelope, t: 'ack2', u: [] })).toBeDefined();
  });

  it('rejects wrong types, unknown kinds, unknown fields, bad statuses and out-of-range numbers', () => {
    const bad: unknown[] = [
      null,
      42,
      'syn',
      [],
      { ...envelope, t: 'nope', d: [] },
      { ...envelope, t: 'syn' },
      { ...envelope, t: 'syn', d: [['n1', -1, 5]] },
      { ...envelope, t: 'syn', d: [['n1', 1.5, 5]] },
      { ...envelope, t: 'syn', d: [['', 1, 5]] },
      { ...envelope, t: 'syn', d: [['x'.repeat(129), 1, 5]] },
      { ...envelope, f: 7, t: 'syn', d: [] },
      { ...envelope, t: 'ack2', u: [{ ...full, st: ['dancing', 1] }] },
      { ...envelope, t: 'ack2', u: [{ ...full, wt: [0, 1] }] },
      { ...envelope, t: 'ack2', u: [{ ...full, vn: [5000, 1] }] },
      { ...envelope, t: 'ack2', u: [{ ...full, extra: 1 }] },
      { ...envelope, t: 'ack2', u: [{ ...full, su: [[['n1', 1]], 2] }] },
      { ...envelope, t: 'ack2', u: [{ ...full, hb: 0 }] },
      { ...envelope, t: 'ack2', u: [{ g: 1 }] },
      { ...envelope, t: 'ack2', u: Array.from({ length: 257 }, () => full) },
    ];
    for (const message of bad) expect(parseMessage(message), JSON.stringify(message)?.slice(0, 80)).toBeUndefined();
  });

  it('never throws on arbitrary input, including hostile getters', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        parseMessage(junk);
        parseMessage({ ...envelope, t: 'ack', u: [junk], r: [junk] });
      }),
      { seed, numRuns: 500 },
    );
    const hostile = Object.defineProperty({ ...envelope, t: 'syn' }, 'd', {
      enumerable: true,
      get() {
        throw new Error('gotcha');
      },
    });
    expect(parseMessage(hostile)).toBeUndefined();
  });
});
