/**
 * Hot paths of @ringkv/vclock: every replica read compares clocks, every write
 * merges them, and every key write and read repair runs a DVV update or sync.
 *
 * Run: pnpm --filter @ringkv/vclock bench
 * Inputs are fixed (no randomness), so runs compare like with like.
 */
import { bench, describe } from 'vitest';
import {
  type DvvSet,
  type VClock,
  compare,
  context,
  decodeClock,
  decodeContext,
  descends,
  empty,
  emptyClock,
  encodeClock,
  encodeContext,
  increment,
  live,
  merge,
  sync,
  update,
} from '../src/index.js';

/** A clock of `size` node ids `node-00…`, counters around 1000, timestamps set. */
function clockOfSize(size: number, bump: number): VClock {
  let clock = emptyClock;
  for (let k = 0; k < size; k++) {
    const actor = `node-${String(k).padStart(2, '0')}`;
    for (let n = 0; n < 3 + ((k + bump) % 4); n++) clock = increment(clock, actor, 1_700_000_000_000 + k);
  }
  return clock;
}

for (const size of [3, 10]) {
  const a = clockOfSize(size, 0);
  const b = clockOfSize(size, 1); // concurrent with a: some counters higher, some lower
  const later = increment(a, 'node-00');
  const bytes = encodeClock(a);
  describe(`${size}-entry clocks`, () => {
    bench(`compare (concurrent, ${size} entries)`, () => {
      compare(a, b);
    });
    bench(`compare (after, ${size} entries)`, () => {
      compare(later, a);
    });
    bench(`descends (${size} entries)`, () => {
      descends(later, a);
    });
    bench(`merge (${size} entries)`, () => {
      merge(a, b);
    });
    bench(`encodeClock (${size} entries, ${bytes.length} bytes)`, () => {
      encodeClock(a);
    });
    bench(`decodeClock (${size} entries, ${bytes.length} bytes)`, () => {
      decodeClock(bytes);
    });
  });
}

/** A key's set on one replica: three coordinators, one write each, the last two concurrent. */
function replicaSet(): DvvSet<Uint8Array> {
  const value = new Uint8Array(100);
  let set = update(empty<Uint8Array>(), emptyClock, 'node-a', live(value));
  set = update(set, context(set), 'node-b', live(value));
  return update(set, emptyClock, 'node-c', live(value));
}

describe('DVV sets (3 coordinators, 2 siblings)', () => {
  const set = replicaSet();
  const value = live(new Uint8Array(100));
  const ctxBytes = encodeContext(context(set));
  const other = update(set, emptyClock, 'node-b', value);
  bench('update with the context read (replaces siblings)', () => {
    update(set, decodeContext(ctxBytes), 'node-a', value);
  });
  bench('update without context (adds a sibling)', () => {
    update(set, emptyClock, 'node-a', value);
  });
  bench('sync of two replicas that diverged by one write', () => {
    sync(set, other);
  });
  bench('update + sync (a coordinated write, then read repair)', () => {
    sync(other, update(set, decodeContext(ctxBytes), 'node-a', value));
  });
});
