/** The relaying replica client: which calls go through a relay, how they are grouped, and how each call settles (dc-relay.ts invariants). */
import { protocolError, type PeerMessage } from '@ringkv/protocol';
import type { ReplicaCallOptions, ReplicaClient } from '@ringkv/quorum';
import { describe, expect, it } from 'vitest';
import { relayEntriesMax } from '../limits.js';
import { encodeSet, storedValue, type StoredSet, type StoredValue } from '../store/set-codec.js';
import { DcRelayClient, newRelayCounters } from './dc-relay.js';
import { decodeRelayEntries, encodeRelayOutcomes, type RelayOutcome } from './relay-codec.js';
import type { PeerCallBody } from './peer-link.js';

/** dc1: a (self), b; dc2: c, d, e; dc3: f, g; x: no DC label; old: dc2, without relay support. */
const dcs: Record<string, string> = { a: 'dc1', b: 'dc1', c: 'dc2', d: 'dc2', e: 'dc2', f: 'dc3', g: 'dc3', x: '', old: 'dc2' };

function setOf(value: string): StoredSet {
  return { entries: [{ actor: 'a', counter: 1, versions: [{ tombstone: false, value: storedValue(new TextEncoder().encode(value), false) }] }] } as unknown as StoredSet;
}

interface Sent {
  address: string;
  body: PeerCallBody;
  timeoutMs: number;
  answer(reply: PeerMessage | Error): void;
}

function harness(options: { enabled?: boolean; now?: number } = {}) {
  const direct: { node: string; options: ReplicaCallOptions }[] = [];
  const sent: Sent[] = [];
  let flush: (() => void) | undefined;
  const counters = newRelayCounters();
  const directClient: ReplicaClient<StoredValue> = {
    apply: async (node, _key, _set, o) => {
      direct.push({ node, options: o });
    },
    fetch: async () => undefined,
  };
  const client = new DcRelayClient({
    selfId: 'a',
    selfDc: 'dc1',
    dcOf: (id) => dcs[id],
    addressOf: (id) => (id in dcs ? `ws://${id}` : undefined),
    direct: directClient,
    peers: {
      call: (address, body, timeoutMs) =>
        new Promise<PeerMessage>((resolve, reject) => sent.push({ address, body, timeoutMs, answer: (r) => (r instanceof Error ? reject(r) : resolve(r)) })),
      relays: (address) => address !== 'ws://old',
    },
    clock: { now: () => options.now ?? 1_000, setTimer: () => 0, clearTimer: () => {} },
    enabled: options.enabled ?? true,
    counters,
    schedule: (fn) => {
      flush = fn;
    },
  });
  const turn = (): void => {
    const f = flush;
    flush = undefined;
    f?.();
  };
  return { client, direct, sent, counters, turn };
}

const deadline = { deadlineMs: 6_000 };

/** Settles every call of `calls` and reports each outcome. */
function outcomes(calls: Promise<void>[]): Promise<string[]> {
  return Promise.all(calls.map((p) => p.then(() => 'ack', (e: Error & { code?: string }) => e.code ?? 'error')));
}

function relayOk(sent: Sent, perTarget: (node: string) => RelayOutcome): void {
  if (sent.body.type !== 'relay') throw new Error(`expected a relay, got ${sent.body.type}`);
  const entries = decodeRelayEntries(sent.body.entries, 1024);
  sent.answer({ type: 'relay-ok', id: 1, outcomes: encodeRelayOutcomes(entries.map((e) => e.targets.map((t) => perTarget(t.node)))) });
}

describe('DcRelayClient grouping', () => {
  it('sends one relay for a write’s targets in one remote DC, to a replica there, and settles each call from its outcome', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = ['c', 'd', 'e'].map((node) => h.client.apply(node, 'k', set, deadline));
    expect(h.sent).toHaveLength(0); // nothing leaves before the end of the turn
    h.turn();
    expect(h.sent).toHaveLength(1);
    const relay = h.sent[0] as Sent;
    expect(relay.address).toBe('ws://c');
    expect(relay.timeoutMs).toBe(5_000);
    const entries = decodeRelayEntries((relay.body as { entries: Uint8Array }).entries, 1024);
    expect(entries.map((e) => ({ key: e.key, targets: e.targets }))).toEqual([{ key: 'k', targets: [{ node: 'c' }, { node: 'd' }, { node: 'e' }] }]);
    expect(Uint8Array.from(entries[0]?.set ?? [])).toEqual(Uint8Array.from(encodeSet(set)));
    relayOk(relay, (node) => (node === 'd' ? { code: 'unavailable', message: 'd is down' } : undefined));
    expect(await outcomes(calls)).toEqual(['ack', 'unavailable', 'ack']);
    expect(h.counters).toMatchObject({ relaysSent: 1, relayTargets: 3, relayFallbacks: 0, relayFailures: 0 });
  });

  it('never relays calls to itself, to its own DC, to a node without a DC label, or when disabled', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = ['a', 'b', 'x'].map((node) => h.client.apply(node, 'k', set, deadline));
    h.turn();
    await Promise.all(calls);
    expect(h.sent).toHaveLength(0);
    expect(h.direct.map((d) => d.node)).toEqual(['a', 'b', 'x']);
    const off = harness({ enabled: false });
    await Promise.all(['c', 'd'].map((node) => off.client.apply(node, 'k', set, deadline)));
    expect(off.sent).toHaveLength(0);
    expect(off.direct.map((d) => d.node)).toEqual(['c', 'd']);
  });

  it('sends one relay per remote DC', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = ['c', 'f', 'd', 'g'].map((node) => h.client.apply(node, 'k', set, deadline));
    h.turn();
    expect(h.sent.map((s) => s.address).sort()).toEqual(['ws://c', 'ws://f']);
    for (const s of h.sent) relayOk(s, () => undefined);
    expect(await outcomes(calls)).toEqual(['ack', 'ack', 'ack', 'ack']);
  });

  it('puts the writes of one turn for one DC in one relay, up to relayEntriesMax writes each', async () => {
    const h = harness();
    const count = relayEntriesMax + 10;
    const calls = Array.from({ length: count }, (_, i) => {
      const set = setOf(`v${i}`);
      return ['d', 'c'].map((node) => h.client.apply(node, `k${i}`, set, deadline));
    }).flat();
    h.turn();
    expect(h.sent.map((s) => s.address)).toEqual(['ws://d', 'ws://d']); // the first write’s head, kept for the others
    const sizes = h.sent.map((s) => decodeRelayEntries((s.body as { entries: Uint8Array }).entries, 1024).length);
    expect(sizes).toEqual([relayEntriesMax, 10]);
    for (const s of h.sent) relayOk(s, () => undefined);
    expect((await outcomes(calls)).every((o) => o === 'ack')).toBe(true);
  });

  it('carries a stand-in with its hintFor and stamp, and prefers a true replica as the relay node', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = [h.client.apply('e', 'k', set, { ...deadline, hintFor: 'c', hintStampMs: 900.7 }), h.client.apply('d', 'k', set, deadline)];
    h.turn();
    expect(h.sent[0]?.address).toBe('ws://d');
    const entries = decodeRelayEntries((h.sent[0]?.body as { entries: Uint8Array }).entries, 1024);
    expect(entries[0]?.targets).toEqual([{ node: 'e', hintFor: 'c', hintStampMs: 900 }, { node: 'd' }]);
    relayOk(h.sent[0] as Sent, () => undefined);
    expect(await outcomes(calls)).toEqual(['ack', 'ack']);
  });

  it('sends direct applies to a node whose link does not serve relays, relaying the others', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = ['old', 'c'].map((node) => h.client.apply(node, 'k', set, deadline));
    h.turn();
    expect(h.sent.map((s) => s.address)).toEqual(['ws://c']);
    const entries = decodeRelayEntries((h.sent[0]?.body as { entries: Uint8Array }).entries, 1024);
    expect(entries[0]?.targets.map((t) => t.node)).toEqual(['old', 'c']); // the relay node reaches old over its LAN with a plain apply
    relayOk(h.sent[0] as Sent, () => undefined);
    expect(await outcomes(calls)).toEqual(['ack', 'ack']);
    const alone = harness();
    const only = alone.client.apply('old', 'k', set, deadline);
    alone.turn();
    await only;
    expect(alone.sent).toHaveLength(0);
    expect(alone.direct.map((d) => d.node)).toEqual(['old']);
  });
});

describe('DcRelayClient failures', () => {
  it('fails exactly the carried calls with the relay’s error when it times out or its connection is lost, and no others', async () => {
    const h = harness();
    const set = setOf('v');
    const relayed = ['c', 'd'].map((node) => h.client.apply(node, 'k', set, deadline));
    const other = ['f', 'g'].map((node) => h.client.apply(node, 'k', set, deadline));
    const local = h.client.apply('b', 'k', set, deadline);
    h.turn();
    const toDc2 = h.sent.find((s) => s.address === 'ws://c') as Sent;
    const toDc3 = h.sent.find((s) => s.address === 'ws://f') as Sent;
    toDc2.answer(protocolError('timeout', 'ws://c did not answer within 5000 ms'));
    relayOk(toDc3, () => undefined);
    expect(await outcomes(relayed)).toEqual(['timeout', 'timeout']);
    expect(await outcomes([...other, local])).toEqual(['ack', 'ack', 'ack']);
    expect(h.counters).toMatchObject({ relaysSent: 2, relayFailures: 1, relayFallbacks: 0 });
  });

  it('falls back to direct applies when the relay was refused unsent (unavailable, too-many-in-flight, frame-too-large)', async () => {
    for (const code of ['unavailable', 'too-many-in-flight', 'frame-too-large'] as const) {
      const h = harness();
      const set = setOf('v');
      const calls = ['c', 'd'].map((node) => h.client.apply(node, 'k', set, deadline));
      h.turn();
      h.sent[0]?.answer(protocolError(code, 'the relay did not leave'));
      expect(await outcomes(calls), code).toEqual(['ack', 'ack']);
      expect(h.direct.map((d) => d.node)).toEqual(['c', 'd']);
      expect(h.counters).toMatchObject({ relayFallbacks: 2, relayFailures: 0 });
    }
  });

  it('fails every carried call when the answer does not match the relay (wrong reply type or outcome count)', async () => {
    const h = harness();
    const set = setOf('v');
    const calls = ['c', 'd'].map((node) => h.client.apply(node, 'k', set, deadline));
    const more = ['f'].map((node) => h.client.apply(node, 'k', set, deadline));
    h.turn();
    (h.sent[0] as Sent).answer({ type: 'relay-ok', id: 1, outcomes: encodeRelayOutcomes([[undefined]]) });
    (h.sent[1] as Sent).answer({ type: 'apply-ok', id: 1 });
    expect(await outcomes([...calls, ...more])).toEqual(['invalid-message', 'invalid-message', 'internal']);
  });

  it('fails the calls at once when their deadline passed before the relay was sent', async () => {
    const h = harness({ now: 7_000 });
    const calls = ['c', 'd'].map((node) => h.client.apply(node, 'k', setOf('v'), deadline));
    h.turn();
    expect(await outcomes(calls)).toEqual(['timeout', 'timeout']);
    expect(h.sent).toHaveLength(0);
  });
});
