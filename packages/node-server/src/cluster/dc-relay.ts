/**
 * One WAN crossing per remote data center for a write (issue 14): quorum's
 * `ReplicaClient` with the replica calls bound for another DC gathered per
 * turn and sent, per DC, as `relay` calls to one node there, which applies
 * them to its DC's targets (relay-serve.ts) and answers one outcome per
 * target. Every original call settles from that answer, so the coordinator
 * (quorum's write.ts, untouched) sees exactly the per-replica acks and
 * failures it saw with one `apply` per replica.
 *
 * Which node relays: for each write, among its targets in that DC whose
 * link is open and serves relays (the peer's hello-ok said `relay`), a node
 * already relaying for that DC in this turn if there is one (more writes
 * per frame), else the first true replica (no `hintFor`) in the plan's
 * order, else the first stand-in. The plan's order is the key's preference
 * list, so the relay role spreads over a DC's nodes with the keys.
 * Deterministic: the same plan and links pick the same node.
 *
 * Concurrency model: calls queue per remote DC until the end of the turn
 * (`schedule`, setImmediate by default), then leave as relays of at most
 * `relayEntriesMax` writes and about `relayBatchBytesMax` bytes, lz4 above
 * `relayCompressBytesMin` (relay-codec.ts).
 *
 * Invariants:
 *   1. Calls to this node, to its own DC, to nodes of unknown DC, all
 *      `fetch`es, and every call while `enabled` is false go straight to
 *      `direct`, unchanged.
 *   2. Every queued call settles exactly once: from its outcome in the
 *      relay's answer, from the relay's failure, or from the direct apply it
 *      fell back to.
 *   3. A relay refused before it ran (`unavailable`, `too-many-in-flight`,
 *      `frame-too-large`: never sent, or not run) falls back to direct applies of the calls it
 *      carried; any other failure (a timeout, a lost connection) fails
 *      exactly the calls it carried with that error (they may have been
 *      applied: the coordinator keeps hints, as for a failed apply).
 *   4. A relay's `timeoutMs` is the earliest deadline of the calls it
 *      carries; the relay node answers within a share of it (relay-serve.ts
 *      invariant 1), and the link fails the call at it: no call waits past
 *      its own deadline for a relay.
 */
import { protocolError, type Key, type ProtocolError } from '@ringkv/protocol';
import type { Clock, ReplicaCallOptions, ReplicaClient } from '@ringkv/quorum';
import type { DvvSet } from '@ringkv/vclock';
import * as L from '../limits.js';
import { toProtocolError } from '../store/failures.js';
import { encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';
import { decodeRelayOutcomes, encodeRelayEntries, type RelayEntry, type RelayOutcome } from './relay-codec.js';
import type { PeerPort } from './replicas.js';

/** Relay counters of one node (they only grow): both sides, for /status and /metrics. */
export interface RelayCounters {
  /** `relay` calls this node sent, and the replica calls they carried. */
  relaysSent: number;
  relayTargets: number;
  /** Carried calls sent directly after their relay was refused unsent (invariant 3). */
  relayFallbacks: number;
  /** Relays that failed after being sent: their calls failed. */
  relayFailures: number;
  /** `relay` calls this node served, and the applies it forwarded for them. */
  relaysServed: number;
  relayForwards: number;
}

/** A fresh set of relay counters. */
export function newRelayCounters(): RelayCounters {
  return { relaysSent: 0, relayTargets: 0, relayFallbacks: 0, relayFailures: 0, relaysServed: 0, relayForwards: 0 };
}

/** What the relaying client is built from. */
export interface DcRelayOptions {
  readonly selfId: string;
  /** This node's DC ('' = none: nothing is relayed). */
  readonly selfDc: string;
  /** The DC of a member ('' or undefined: unknown, never relayed). */
  readonly dcOf: (id: string) => string | undefined;
  readonly addressOf: (id: string) => string | undefined;
  /** The plain client: one call per replica (replicas.ts `ReplicaPort`). */
  readonly direct: ReplicaClient<StoredValue>;
  readonly peers: PeerPort;
  readonly clock: Clock;
  /** False: every call goes straight to `direct` (the node option `wanRelay`). */
  readonly enabled: boolean;
  readonly counters: RelayCounters;
  /** Runs `fn` once the current turn's calls are queued (default `setImmediate`). */
  readonly schedule?: (fn: () => void) => void;
}

interface QueuedCall {
  readonly node: string;
  readonly key: Key;
  readonly set: DvvSet<StoredValue>;
  readonly options: ReplicaCallOptions;
  resolve(): void;
  reject(error: unknown): void;
}

/** One write bound for a DC: the calls to its targets there. */
interface Write {
  readonly key: Key;
  readonly set: DvvSet<StoredValue>;
  /** The set encoded once for the relay (one copy per DC, where direct applies encode one per replica). */
  readonly bytes: Uint8Array;
  readonly calls: QueuedCall[];
}

/** The relaying replica client (module comment). */
export class DcRelayClient implements ReplicaClient<StoredValue> {
  private queued = new Map<string, QueuedCall[]>();
  private scheduled = false;

  constructor(private readonly o: DcRelayOptions) {}

  apply(node: string, key: Key, set: DvvSet<StoredValue>, options: ReplicaCallOptions): Promise<void> {
    const dc = this.remoteDc(node);
    if (dc === undefined) return this.o.direct.apply(node, key, set, options);
    return new Promise<void>((resolve, reject) => {
      let calls = this.queued.get(dc);
      if (calls === undefined) this.queued.set(dc, (calls = []));
      calls.push({ node, key, set, options, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        (this.o.schedule ?? setImmediate)(() => this.flush());
      }
    });
  }

  fetch(node: string, key: Key, options: ReplicaCallOptions): Promise<StoredSet | undefined> {
    return this.o.direct.fetch(node, key, options);
  }

  /** The remote DC a call to `node` is relayed to, or undefined (invariant 1). */
  private remoteDc(node: string): string | undefined {
    const o = this.o;
    if (!o.enabled || node === o.selfId || o.selfDc === '') return undefined;
    const dc = o.dcOf(node);
    return dc === undefined || dc === '' || dc === o.selfDc ? undefined : dc;
  }

  /** Sends what the turn queued: per DC, writes grouped by relay node, in bounded relays. */
  private flush(): void {
    this.scheduled = false;
    const queued = this.queued;
    this.queued = new Map();
    for (const calls of queued.values()) {
      const relays = new Map<string, Write[]>();
      for (const write of groupWrites(calls)) {
        const head = this.relayNodeOf(write, relays);
        if (head === undefined) {
          for (const call of write.calls) this.sendDirect(call);
          continue;
        }
        const writes = relays.get(head);
        if (writes === undefined) relays.set(head, [write]);
        else writes.push(write);
      }
      for (const [head, writes] of relays) for (const chunk of chunks(writes)) this.sendRelay(head, chunk);
    }
  }

  /** The relay node of `write` (module comment), or undefined when none of its targets serves relays. */
  private relayNodeOf(write: Write, relays: ReadonlyMap<string, Write[]>): string | undefined {
    const able = write.calls.filter((c) => {
      const address = this.o.addressOf(c.node);
      return address !== undefined && this.o.peers.relays?.(address) === true;
    });
    return (able.find((c) => relays.has(c.node)) ?? able.find((c) => c.options.hintFor === undefined) ?? able[0])?.node;
  }

  private sendDirect(call: QueuedCall): void {
    this.o.direct.apply(call.node, call.key, call.set, call.options).then(call.resolve, call.reject);
  }

  private sendRelay(head: string, writes: readonly Write[]): void {
    const c = this.o.counters;
    const calls = writes.flatMap((w) => w.calls);
    const address = this.o.addressOf(head) as string; // relayNodeOf checked it
    const leftMs = Math.min(...calls.map((call) => call.options.deadlineMs)) - this.o.clock.now();
    if (leftMs <= 0) return failAll(calls, protocolError('timeout', 'the deadline passed before the relay was sent'));
    const entries: RelayEntry[] = writes.map((w) => ({
      key: w.key,
      set: w.bytes,
      targets: w.calls.map((call) => {
        const { hintFor, hintStampMs } = call.options;
        if (hintFor === undefined) return { node: call.node };
        return hintStampMs === undefined ? { node: call.node, hintFor } : { node: call.node, hintFor, hintStampMs: Math.max(0, Math.floor(hintStampMs)) };
      }),
    }));
    c.relaysSent++;
    c.relayTargets += calls.length;
    this.o.peers.call(address, { type: 'relay', entries: encodeRelayEntries(entries) }, leftMs).then(
      (reply) => {
        if (reply.type !== 'relay-ok') return failAll(calls, protocolError('internal', `${head} answered relay with ${reply.type}`));
        let outcomes: RelayOutcome[][];
        try {
          outcomes = decodeRelayOutcomes(reply.outcomes, entries);
        } catch (error) {
          return failAll(calls, toProtocolError(error));
        }
        writes.forEach((w, i) => w.calls.forEach((call, j) => settle(call, (outcomes[i] as RelayOutcome[])[j], head)));
      },
      (error: unknown) => {
        const e = toProtocolError(error);
        if (refusedUnsent.has(e.code)) {
          c.relayFallbacks += calls.length;
          for (const call of calls) this.sendDirect(call);
          return;
        }
        c.relayFailures++;
        failAll(calls, e);
      },
    );
  }
}

/** Failures of a relay that ran nothing: its calls may go direct instead (invariant 3). */
const refusedUnsent: ReadonlySet<string> = new Set(['unavailable', 'too-many-in-flight', 'frame-too-large']);

/** The calls of one turn for one DC, as writes: calls carrying the same set object are one write (quorum sends one set to every target). */
function groupWrites(calls: readonly QueuedCall[]): Write[] {
  const bySet = new Map<DvvSet<StoredValue>, Write>();
  const out: Write[] = [];
  for (const call of calls) {
    let write = bySet.get(call.set);
    if (write === undefined || write.key !== call.key) {
      write = { key: call.key, set: call.set, bytes: encodeSet(call.set), calls: [] };
      bySet.set(call.set, write);
      out.push(write);
    }
    write.calls.push(call);
  }
  return out;
}

/** `writes` cut into relays of at most `relayEntriesMax` writes and about `relayBatchBytesMax` estimated bytes (one write at least). */
function chunks(writes: readonly Write[]): Write[][] {
  const out: Write[][] = [];
  let chunk: Write[] = [];
  let bytes = 0;
  for (const w of writes) {
    const size = estimateBytes(w);
    if (chunk.length > 0 && (chunk.length >= L.relayEntriesMax || bytes + size > L.relayBatchBytesMax)) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(w);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/** A write's bytes in a relay, roughly: its set, its key, and room for its targets. */
function estimateBytes(w: Write): number {
  return 16 + w.bytes.byteLength + w.calls.length * 48 + (typeof w.key === 'string' ? w.key.length * 3 : w.key.byteLength);
}

function settle(call: QueuedCall, outcome: RelayOutcome, head: string): void {
  if (outcome === undefined) call.resolve();
  else call.reject(protocolError(outcome.code, `via relay ${head}: ${outcome.message}`));
}

function failAll(calls: readonly QueuedCall[], error: ProtocolError): void {
  for (const call of calls) call.reject(error);
}
