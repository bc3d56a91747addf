import { describe, expect, it } from 'vitest';
import { emptyClock, fromObject, increment } from './clock.js';
import { decodeClock, decodeContext, encodeClock, encodeContext } from './codec.js';
import { isVclockError } from './errors.js';

function malformed(bytes: number[]): boolean {
  try {
    decodeClock(Uint8Array.from(bytes));
  } catch (error) {
    return isVclockError(error) && error.code === 'malformed';
  }
  return false;
}

const A = 0x61; // 'a'
const B = 0x62; // 'b'

describe('encodeClock', () => {
  it('lays out flags, count, then length-prefixed actor and counter per entry, as the module header specifies', () => {
    expect([...encodeClock(emptyClock)]).toEqual([0, 0]);
    expect([...encodeClock(fromObject({ b: 300, a: 1 }))]).toEqual([0, 2, 1, A, 1, 1, B, 0xac, 0x02]);
  });

  it('sets flag bit 0 and appends each timestamp when any entry has one', () => {
    const clock = increment(fromObject({ a: 1 }), 'b', 5);
    expect([...encodeClock(clock)]).toEqual([1, 2, 1, A, 1, 0, 1, B, 1, 5]);
  });

  it('encodes equal clocks to equal bytes whatever order they were built in', () => {
    const x = increment(increment(emptyClock, 'x'), 'y');
    const y = increment(increment(emptyClock, 'y'), 'x');
    expect(encodeClock(x)).toEqual(encodeClock(y));
  });
});

describe('decodeClock', () => {
  it('decodes what encodeClock wrote', () => {
    const clock = increment(fromObject({ a: 7, 'node-ü': 2 ** 40 }), 'z', 1_700_000_000_000);
    expect(decodeClock(encodeClock(clock))).toEqual(clock);
  });

  it('rejects every non-canonical or damaged form as malformed', () => {
    const cases: Record<string, number[]> = {
      empty: [],
      'unknown flag': [2, 0],
      'count beyond the bytes': [0, 5, 1, A, 1],
      'truncated actor': [0, 1, 3, A],
      'zero-length actor': [0, 1, 0, 1, 0],
      'zero counter': [0, 1, 1, A, 0],
      'unsorted actors': [0, 2, 1, B, 1, 1, A, 1],
      'duplicate actors': [0, 2, 1, A, 1, 1, A, 2],
      'trailing byte': [0, 0, 0],
      'timestamp flag with all timestamps zero': [1, 1, 1, A, 1, 0],
      'invalid UTF-8 actor': [0, 1, 1, 0xff, 1],
      'UTF-8 encoded surrogate': [0, 1, 3, 0xed, 0xa0, 0x80, 1],
      'non-minimal counter': [0, 1, 1, A, 0x81, 0x00],
    };
    for (const [name, bytes] of Object.entries(cases)) expect(malformed(bytes), name).toBe(true);
  });

  it('keeps a leading byte-order mark in an actor instead of stripping it', () => {
    const clock = fromObject({ '\ufeffa': 1 });
    expect(decodeClock(encodeClock(clock))).toEqual(clock);
  });
});

describe('encodeContext and decodeContext', () => {
  it('strip timestamps so a context is counters only', () => {
    const clock = increment(fromObject({ a: 1 }), 'b', 123);
    const bytes = encodeContext(clock);
    expect(bytes[0]).toBe(0);
    expect(decodeContext(bytes)).toEqual(fromObject({ a: 1, b: 1 }));
  });

  it('refuse a timestamped clock encoding as a context', () => {
    const bytes = encodeClock(increment(emptyClock, 'a', 9));
    expect(() => decodeContext(bytes)).toThrow(expect.objectContaining({ name: 'VclockError', code: 'malformed' }));
  });
});
