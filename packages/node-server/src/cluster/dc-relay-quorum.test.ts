/**
 * The relaying client under quorum's own coordinator (write.ts unchanged):
 * a write to two DCs reaches the remote replicas through one relay, and a
 * relay node that fails mid-request makes exactly the targets it carried
 * fail (with hints kept for them) while the write still answers, never hangs.
 */
import { HashRing } from '@ringkv/hashring';
import { protocolError, type PeerMessage } from '@ringkv/protocol';
import { Coordinator, MemoryHintStore, type ReplicaClient } from '@ringkv/quorum';
import { SimClock } from '@ringkv/sim';
import { empty, emptyClock, update, type DvvSet, type Payload } from '@ringkv/vclock';
import { describe, expect, it } from 'vitest';
import { storedValue, type StoredValue } from '../store/set-codec.js';
import { DcRelayClient, newRelayCounters } from './dc-relay.js';
import type { PeerCallBody } from './peer-link.js';
import { decodeRelayEntries, encodeRelayOutcomes } from './relay-codec.js';

const dcs: Record<string, string> = { a: 'dc1', b: 'dc1', c: 'dc2', d: 'dc2' };
const ring = HashRing.fromNodes(Object.entries(dcs).map(([id, dc]) => ({ id, dc })));

interface Call {
  address: string;
  body: PeerCallBody;
  settle(reply: PeerMessage | Error): void;
}

function world() {
  const clock = new SimClock();
  const hints = new MemoryHintStore<StoredValue>();
  const calls: Call[] = [];
  const direct: string[] = [];
  let set: DvvSet<StoredValue> | undefined;
  const counters = newRelayCounters();
  const directClient: ReplicaClient<StoredValue> = {
    apply: async (node) => {
      direct.push(node);
    },
    fetch: async () => undefined,
  };
  const replicas = new DcRelayClient({
    selfId: 'a', selfDc: 'dc1', dcOf: (id) => dcs[id], addressOf: (id) => `ws://${id}`, direct: directClient, clock, enabled: true, counters,
    peers: {
      call: (address, body) => new Promise<PeerMessage>((resolve, reject) => calls.push({ address, body, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) })),
      relays: () => true,
    },
    schedule: (fn) => queueMicrotask(fn),
  });
  const coordinator = new Coordinator<StoredValue>({
    nodeId: 'a', ring: () => ring, down: () => new Set(), clock, hints, replicas, replicationMap: { dc1: 2, dc2: 2 },
    local: {
      update: async (_key, context, payload: Payload<StoredValue>) => (set = update(set ?? empty<StoredValue>(), context, 'a', payload)),
    },
    defaults: { n: 4, r: 1, w: 2, mode: 'sloppy', timeoutMs: 1_000 },
  });
  return { clock, hints, calls, direct, counters, coordinator };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DcRelayClient under quorum’s coordinator', () => {
  it('sends a write’s two remote copies as one relay to dc2 and the receipt shows every replica’s ack', async () => {
    const w = world();
    const put = w.coordinator.put('k', storedValue(new Uint8Array([1]), false), { context: emptyClock, w: 4 });
    await flush();
    expect(w.direct).toEqual(['b']);
    expect(w.calls).toHaveLength(1);
    const relay = w.calls[0] as Call;
    expect(['ws://c', 'ws://d']).toContain(relay.address);
    const entries = decodeRelayEntries((relay.body as { entries: Uint8Array }).entries, 1024);
    expect(entries.flatMap((e) => e.targets.map((t) => t.node)).sort()).toEqual(['c', 'd']);
    relay.settle({ type: 'relay-ok', id: 1, outcomes: encodeRelayOutcomes([[undefined, undefined]]) });
    const result = await put;
    expect(result.status).toBe('ok');
    expect(result.receipt!.replicas.map((r) => `${r.node}:${r.outcome}`).sort()).toEqual(['a:ack', 'b:ack', 'c:ack', 'd:ack']);
    expect(await w.hints.count()).toBe(0);
  });

  it('a relay node lost mid-request fails exactly the two targets it carried: the write answers, hints are kept for c and d only', async () => {
    const w = world();
    const put = w.coordinator.put('k', storedValue(new Uint8Array([1]), false), { context: emptyClock, w: 2 });
    await flush();
    (w.calls[0] as Call).settle(protocolError('timeout', 'the connection to ws://c closed with the call in flight; it may have been applied'));
    const result = await put;
    expect(result.status).toBe('ok'); // W=2: a and b
    await flush();
    expect((await w.hints.targets()).slice().sort()).toEqual(['c', 'd']);
    expect(w.counters.relayFailures).toBe(1);
  });

  it('a relay that never answers leaves its targets to the coordinator’s deadline: indeterminate for W=4, hints for c and d, no hang', async () => {
    const w = world();
    const put = w.coordinator.put('k', storedValue(new Uint8Array([1]), false), { context: emptyClock, w: 4 });
    await flush();
    expect(w.calls).toHaveLength(1);
    w.clock.advance(1_000);
    const result = await put;
    expect(result.status).toBe('indeterminate');
    await flush();
    expect((await w.hints.targets()).slice().sort()).toEqual(['c', 'd']);
  });
});
