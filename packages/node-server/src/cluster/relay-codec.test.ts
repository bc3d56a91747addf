/** The relay entries and outcomes formats (relay-codec.ts): round trips, compression only where it pays, and refusals of a peer's bad bytes. */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { relayCompressBytesMin, relayEntriesMax } from '../limits.js';
import { encodeSet, storedValue, type StoredSet } from '../store/set-codec.js';
import { decodeRelayEntries, decodeRelayOutcomes, encodeRelayEntries, encodeRelayOutcomes, type RelayEntry } from './relay-codec.js';

const raw = new Packr({ useRecords: false });

function setBytes(value: string): Uint8Array {
  return encodeSet({ entries: [{ actor: 'a', counter: 1, versions: [{ tombstone: false, value: storedValue(new TextEncoder().encode(value), false) }] }] } as unknown as StoredSet);
}

function code(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code ?? 'untyped';
  }
}

const plain = (body: unknown): Uint8Array => Uint8Array.from([0, ...raw.pack(body)]);

describe('relay entries', () => {
  it('round-trip string and byte keys, plain targets and stand-ins with and without a stamp', () => {
    const entries: RelayEntry[] = [
      { key: 'k1', set: setBytes('a'), targets: [{ node: 'n1' }, { node: 'n2', hintFor: 'n3' }] },
      { key: new Uint8Array([1, 2, 3]), set: setBytes('b'), targets: [{ node: 'n2', hintFor: 'n1', hintStampMs: 12 }] },
    ];
    const bytes = encodeRelayEntries(entries);
    expect(bytes[0]).toBe(0); // small: plain
    const decoded = decodeRelayEntries(bytes, 1024);
    expect(decoded.map((e) => ({ key: e.key instanceof Uint8Array ? [...e.key] : e.key, set: [...e.set], targets: e.targets }))).toEqual(
      entries.map((e) => ({ key: e.key instanceof Uint8Array ? [...e.key] : e.key, set: [...e.set], targets: e.targets })),
    );
    expect(decoded[0]?.decoded.entries[0]?.actor).toBe('a');
  });

  it(`compresses a body of relayCompressBytesMin (${relayCompressBytesMin}) bytes or more only when lz4 makes it smaller`, () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ key: `user:${String(i).padStart(8, '0')}`, set: setBytes(`value of user ${i}, `.repeat(4)), targets: [{ node: 'n1' }, { node: 'n2' }] }));
    const packed = encodeRelayEntries(many);
    expect(packed[0]).toBe(1);
    expect(decodeRelayEntries(packed, 1024)).toHaveLength(40);
    const random = [{ key: 'k', set: setBytes(Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('')), targets: [{ node: 'n1' }] }];
    expect(encodeRelayEntries(random)[0], 'incompressible text stays plain').toBe(0);
  });

  it('refuses bad shapes, bounds and sets with invalid-message, never another error', () => {
    const good = [['k', setBytes('a'), [['n1']]]];
    expect(code(() => decodeRelayEntries(plain(good), 1024))).toBe('accepted');
    expect(code(() => decodeRelayEntries(new Uint8Array(0), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(Uint8Array.from([7, 1, 2]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain(Array.from({ length: relayEntriesMax + 1 }, () => good[0])), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a')]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k'.repeat(9), setBytes('a'), [['n1']]]]), 8)), 'key over keyBytesMax').toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['', setBytes('a'), [['n1']]]]), 8)), 'empty key').toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', 'not bytes', [['n1']]]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', new Uint8Array([0xc1]), [['n1']]]]), 1024)), 'a set that does not decode').toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), []]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), Array.from({ length: 17 }, () => ['n1'])]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), [['']]]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), [['n1', 5]]]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), [['n1', 'n2', -1]]]]), 1024))).toBe('invalid-message');
    expect(code(() => decodeRelayEntries(plain([['k', setBytes('a'), [['n1', 'n2', 1.5]]]]), 1024))).toBe('invalid-message');
  });
});

describe('relay outcomes', () => {
  const entries: RelayEntry[] = [
    { key: 'a', set: new Uint8Array(1), targets: [{ node: 'n1' }, { node: 'n2' }] },
    { key: 'b', set: new Uint8Array(1), targets: [{ node: 'n1' }] },
  ];

  it('round-trip acks and failures in order; an unknown code reads as internal', () => {
    const out = decodeRelayOutcomes(encodeRelayOutcomes([[undefined, { code: 'timeout', message: 'slow' }], [undefined]]), entries);
    expect(out).toEqual([[undefined, { code: 'timeout', message: 'slow' }], [undefined]]);
    expect(decodeRelayOutcomes(raw.pack([[0, ['from-the-future', 'x']], [0]]), entries)).toEqual([[undefined, { code: 'internal', message: 'x' }], [undefined]]);
  });

  it('refuse an answer whose shape does not match the relay it answers', () => {
    expect(code(() => decodeRelayOutcomes(raw.pack([[0, 0]]), entries))).toBe('invalid-message');
    expect(code(() => decodeRelayOutcomes(raw.pack([[0], [0]]), entries))).toBe('invalid-message');
    expect(code(() => decodeRelayOutcomes(raw.pack([[0, 1], [0]]), entries))).toBe('invalid-message');
    expect(code(() => decodeRelayOutcomes(raw.pack([[0, ['timeout']], [0]]), entries))).toBe('invalid-message');
    expect(code(() => decodeRelayOutcomes(Uint8Array.from([0xc1]), entries))).toBe('invalid-message');
  });
});
