/**
 * Seeded fuzzing of the node's own record and chunk decoders (issue 16): the
 * stored sibling set, a peer's sibling set, a stored hint, and the
 * anti-entropy chunk (plain and lz4), and a WAN relay's entries (plain and
 * lz4) and outcomes. Each may only decode or throw its typed
 * error (`corrupt-record` for this node's own records, `invalid-message` or
 * `limit-exceeded` for a peer's bytes): never another error, a hang or
 * unbounded memory. `FUZZ_INPUTS` sets the inputs per target (default 10⁵;
 * `pnpm fuzz` runs 10⁶). Replay with SEED=<n>.
 */
import { describe, expect, it } from 'vitest';
import { emptyClock, empty, increment, live, tombstone, update, type VClock } from '@ringkv/vclock';
import { isProtocolError } from '@ringkv/protocol';
import { fuzzInputs, Rng, runFuzz, testSeed, type FuzzReport } from '@ringkv/sim';
import { isNodeServerError } from '../src/errors.js';
import { decodePeerSet, decodeSet, encodeSet, type StoredSet } from '../src/store/set-codec.js';
import { decodeHintRecord, encodeHintRecord } from '../src/cluster/hint-store.js';
import { decodeEntries, encodeEntries } from '../src/anti-entropy/entries.js';
import { decodeRelayEntries, decodeRelayOutcomes, encodeRelayEntries, encodeRelayOutcomes, type RelayEntry } from '../src/cluster/relay-codec.js';

const corruptRecord = (e: unknown): boolean => isNodeServerError(e) && e.code === 'corrupt-record';
const badPeerBytes = (e: unknown): boolean => isProtocolError(e) && (e.code === 'invalid-message' || e.code === 'limit-exceeded');

/** A sibling set written by a few actors, some writes concurrent, some deletes, raw and MessagePack values. */
function siblingSet(rng: Rng, writes: number): StoredSet {
  let set: StoredSet = empty();
  let context: VClock = emptyClock;
  for (let i = 0; i < writes; i++) {
    const actor = `node-${rng.int(3)}`;
    const value = rng.chance(0.5) ? rng.bytes(rng.int(40)) : { m: rng.bytes(1 + rng.int(20)) };
    const payload = rng.chance(0.15) ? tombstone : live(value);
    set = update(set, rng.chance(0.5) ? context : emptyClock, actor, payload);
    if (rng.chance(0.3)) context = increment(context, actor);
  }
  return set;
}

function expectRefusals(report: FuzzReport): void {
  expect(report.accepted + report.refused).toBe(report.inputs);
  expect(report.refused).toBeGreaterThan(0);
}

describe('fuzzing the node-server decoders (issue 16)', () => {
  const seed = testSeed(1617);
  const timeout = Math.max(120_000, fuzzInputs() * 3);

  it('a stored sibling set decodes or is corrupt-record', { timeout }, () => {
    const rng = new Rng(seed);
    const corpus = [encodeSet(siblingSet(rng, 1)), encodeSet(siblingSet(rng, 6)), encodeSet(siblingSet(rng, 15))];
    expectRefusals(runFuzz({ name: 'stored set', seed, corpus, decode: (d) => void decodeSet(d), expected: corruptRecord }));
  });

  it("a peer's sibling set decodes or is invalid-message", { timeout }, () => {
    const rng = new Rng(seed + 1);
    const corpus = [encodeSet(siblingSet(rng, 3)), encodeSet(siblingSet(rng, 10))];
    expectRefusals(runFuzz({ name: 'peer set', seed, corpus, decode: (d) => void decodePeerSet(d), expected: badPeerBytes }));
  });

  it('a stored hint decodes or is corrupt-record', { timeout }, () => {
    const rng = new Rng(seed + 2);
    const corpus = [1, 4].map((writes) =>
      encodeHintRecord({ target: 'node-2', key: rng.bytes(12), storedAtMs: 1_700_000_000_000 + rng.int(1e6), set: siblingSet(rng, writes) }),
    );
    expectRefusals(runFuzz({ name: 'hint record', seed, corpus, decode: (d) => void decodeHintRecord(d), expected: corruptRecord }));
  });

  it('an anti-entropy chunk, plain or lz4, decodes or is refused as the peer’s error', { timeout }, () => {
    const rng = new Rng(seed + 3);
    const chunk = (pairs: number, repetitive: boolean) =>
      encodeEntries(
        Array.from({ length: pairs }, (_, i) => {
          const set = encodeSet(siblingSet(rng, 1 + rng.int(4)));
          const key = repetitive ? new TextEncoder().encode(`user:${String(i).padStart(8, '0')}`) : rng.bytes(8);
          return rng.chance(0.2) ? { key, set, ageMs: rng.int(1e6) } : { key, set };
        }),
      );
    const corpus = [chunk(2, false), chunk(60, true)];
    expect(corpus.map((c) => c[0])).toContain(1); // one corpus entry is lz4-compressed
    expectRefusals(runFuzz({ name: 'anti-entropy chunk', seed, corpus, decode: (d) => void decodeEntries(d), expected: badPeerBytes }));
  });

  it('a relay’s entries, plain or lz4, and its outcomes decode or are refused as the peer’s error', { timeout }, () => {
    const rng = new Rng(seed + 4);
    const relay = (writes: number, repetitive: boolean): RelayEntry[] =>
      Array.from({ length: writes }, (_, i) => ({
        key: repetitive ? `user:${String(i).padStart(8, '0')}` : rng.bytes(1 + rng.int(12)),
        set: encodeSet(siblingSet(rng, 1 + rng.int(3))),
        targets: [{ node: 'n4' }, rng.chance(0.5) ? { node: 'n5', hintFor: 'n6', hintStampMs: rng.int(1e9) } : { node: 'n5', hintFor: 'n6' }],
      }));
    const small = relay(2, false);
    const corpus = [encodeRelayEntries(small), encodeRelayEntries(relay(60, true))];
    expect(corpus.map((c) => c[0])).toEqual([0, 1]); // one plain, one lz4-compressed
    expectRefusals(runFuzz({ name: 'relay entries', seed, corpus, decode: (d) => void decodeRelayEntries(d, 1024), expected: badPeerBytes }));
    const answers = [encodeRelayOutcomes([[undefined, { code: 'timeout', message: 'slow' }], [undefined, undefined]])];
    expectRefusals(runFuzz({ name: 'relay outcomes', seed: seed + 5, corpus: answers, decode: (d) => void decodeRelayOutcomes(d, small), expected: badPeerBytes }));
  });
});
