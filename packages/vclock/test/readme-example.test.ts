/** The README's example, verbatim apart from the assertions, so the README cannot drift from the code. */
import { describe, expect, it } from 'vitest';
import {
  compare,
  context,
  decodeContext,
  empty,
  emptyClock,
  encodeContext,
  fromObject,
  live,
  sync,
  update,
  values,
} from '../src/index.js';

describe('the README example', () => {
  it('runs and shows what the README says it shows', () => {
    const order = compare(fromObject({ Sx: 2, Sy: 1 }), fromObject({ Sx: 2, Sz: 1 }));
    expect(order).toBe('concurrent');

    // Two clients that read nothing write through coordinator n1: both survive.
    let atN1 = update(empty<string>(), emptyClock, 'n1', live('red'));
    atN1 = update(atN1, emptyClock, 'n1', live('blue'));
    const shown = values(atN1).map((s) => (s.tombstone ? '(deleted)' : s.value));
    expect(shown).toEqual(['blue', 'red']);
    const ctx: Uint8Array = encodeContext(context(atN1)); // opaque bytes for the client
    // The client resolves and writes back with the context it read, via n2.
    const atN2 = update(empty<string>(), decodeContext(ctx), 'n2', live('purple'));
    const repaired = sync(atN1, atN2); // read repair / anti-entropy
    expect(values(repaired).map((s) => (s.tombstone ? '(deleted)' : s.value))).toEqual(['purple']);
  });
});
