/** The relay node's side (relay-serve.ts): forwards as plain applies, one outcome per target, and an answer within its share of the relay's time. */
import { protocolError, type PeerMessage } from '@ringkv/protocol';
import { SimClock } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import { relayForwardShare } from '../limits.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { encodeSet, storedValue, type StoredSet } from '../store/set-codec.js';
import type { EngineHintStore } from './hint-store.js';
import type { PeerCallBody } from './peer-link.js';
import { decodeRelayOutcomes, encodeRelayEntries, type RelayEntry } from './relay-codec.js';
import { serveRelay } from './relay-serve.js';

const set = encodeSet({ entries: [{ actor: 'a', counter: 1, versions: [{ tombstone: false, value: storedValue(new Uint8Array([1]), false) }] }] } as unknown as StoredSet);

function relayNode(answer: (address: string, body: PeerCallBody, timeoutMs: number) => Promise<PeerMessage>) {
  const clock = new SimClock();
  const calls: { address: string; body: PeerCallBody; timeoutMs: number }[] = [];
  const counters = { relaysServed: 0, relayForwards: 0 };
  const deps = {
    selfId: 'c', store: {} as ReplicaStore, hints: {} as EngineHintStore, clock, keyBytesMax: 1024, counters,
    addressOf: (id: string) => (id === 'nowhere' ? undefined : `ws://${id}`),
    peers: {
      call: (address: string, body: PeerCallBody, timeoutMs: number) => {
        calls.push({ address, body, timeoutMs });
        return answer(address, body, timeoutMs);
      },
    },
  };
  return { deps, clock, calls, counters };
}

function relay(entries: RelayEntry[], timeoutMs = 1_000) {
  return { type: 'relay' as const, id: 9, entries: encodeRelayEntries(entries), timeoutMs };
}

describe('serveRelay', () => {
  it('forwards each target as a plain apply (hintFor and stamp kept) and answers each outcome in order', async () => {
    const r = relayNode(async (address) => {
      if (address === 'ws://e') throw protocolError('too-many-siblings', 'e refused');
      return { type: 'apply-ok', id: 1 };
    });
    const entries: RelayEntry[] = [{ key: 'k', set, targets: [{ node: 'd' }, { node: 'e' }, { node: 'f', hintFor: 'd', hintStampMs: 5 }, { node: 'nowhere' }] }];
    const reply = await serveRelay(r.deps, relay(entries));
    expect(reply.type).toBe('relay-ok');
    const outcomes = decodeRelayOutcomes((reply as { outcomes: Uint8Array }).outcomes, entries);
    expect(outcomes[0]?.map((o) => o?.code ?? 'ack')).toEqual(['ack', 'too-many-siblings', 'ack', 'unavailable']);
    expect(r.calls.map((c) => ({ address: c.address, type: c.body.type, hintFor: (c.body as { hintFor?: string }).hintFor, stamp: (c.body as { hintStampMs?: number }).hintStampMs }))).toEqual([
      { address: 'ws://d', type: 'apply', hintFor: undefined, stamp: undefined },
      { address: 'ws://e', type: 'apply', hintFor: undefined, stamp: undefined },
      { address: 'ws://f', type: 'apply', hintFor: 'd', stamp: 5 },
    ]);
    expect(r.counters).toEqual({ relaysServed: 1, relayForwards: 3 });
  });

  it(`answers within relayForwardShare (${relayForwardShare}) of its time: a target still silent then is a timeout, the others keep their outcomes`, async () => {
    const r = relayNode((address) => (address === 'ws://e' ? new Promise<never>(() => {}) : Promise.resolve({ type: 'apply-ok', id: 1 })));
    const entries: RelayEntry[] = [{ key: 'k', set, targets: [{ node: 'd' }, { node: 'e' }] }];
    let answered: PeerMessage | undefined;
    const pending = serveRelay(r.deps, relay(entries, 1_000)).then((m) => (answered = m));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls.every((c) => c.timeoutMs === 1_000 * relayForwardShare)).toBe(true);
    expect(answered).toBeUndefined();
    r.clock.advance(1_000 * relayForwardShare);
    await pending;
    const outcomes = decodeRelayOutcomes((answered as { outcomes: Uint8Array }).outcomes, entries);
    expect(outcomes[0]?.map((o) => o?.code ?? 'ack')).toEqual(['ack', 'timeout']);
  });

  it('refuses entries that do not decode as a whole, before applying anything', async () => {
    const r = relayNode(async () => ({ type: 'apply-ok', id: 1 }));
    await expect(serveRelay(r.deps, { type: 'relay', id: 1, entries: Uint8Array.from([0, 0xc1]), timeoutMs: 100 })).rejects.toMatchObject({ code: 'invalid-message' });
    expect(r.calls).toHaveLength(0);
    expect(r.counters.relaysServed).toBe(0);
  });
});
