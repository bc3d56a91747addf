/**
 * Both sides of replica calls, over an abstract peer port:
 *   - `ReplicaPort` is quorum's `ReplicaClient` (and HintedHandoff's): a call
 *     to this node itself goes straight to the local store; any other goes
 *     out as a peer `apply`/`fetch` with the time left to the deadline.
 *   - `serveReplicaCall` is what a replica does with an incoming call
 *     (quorum's README, "What node-server needs to implement").
 *
 * Invariants:
 *   1. An apply without `hintFor` is `sync`ed into the stored set durably
 *      before the ack; with `hintFor` it is stored as a hint only (this node
 *      does not own the key), durably, before the ack.
 *   2. A call whose deadline already passed is refused before sending.
 */
import { protocolError, type Key, type PeerMessage } from '@ringkv/protocol';
import type { Clock, ReplicaCallOptions, ReplicaClient } from '@ringkv/quorum';
import type { DvvSet } from '@ringkv/vclock';
import type { ReplicaStore } from '../store/replica-store.js';
import { decodeSet, encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';
import type { EngineHintStore } from './hint-store.js';
import type { PeerCallBody } from './peer-link.js';

/** The peer calls the cluster core makes; the ws network implements it, a simulated one could too. */
export interface PeerPort {
  call(address: string, body: PeerCallBody, timeoutMs: number): Promise<PeerMessage>;
  /** True when the open link to `address` serves `relay` calls (its hello-ok said so); absent or false: send plain applies (dc-relay.ts). */
  relays?(address: string): boolean;
  /** Gossip says the peer at `address` is up: a link backing off from its failures may dial at once. */
  reconnectNow?(address: string): void;
}

/** quorum's replica client over the peer port, with the local short-cut. */
export class ReplicaPort implements ReplicaClient<StoredValue> {
  constructor(
    private readonly selfId: string,
    private readonly addressOf: (id: string) => string | undefined,
    private readonly peers: PeerPort,
    private readonly store: ReplicaStore,
    private readonly hints: EngineHintStore,
    private readonly clock: Clock,
  ) {}

  async apply(node: string, key: Key, set: DvvSet<StoredValue>, options: ReplicaCallOptions): Promise<void> {
    if (node === this.selfId) return applyLocally(this.store, this.hints, this.clock, key, set, options.hintFor, options.hintStampMs);
    const reply = await this.peers.call(this.address(node), applyBody(key, encodeSet(set), options), this.left(options));
    if (reply.type !== 'apply-ok') throw protocolError('internal', `${node} answered apply with ${reply.type}`);
  }

  async fetch(node: string, key: Key, options: ReplicaCallOptions): Promise<StoredSet | undefined> {
    if (node === this.selfId) return fetchLocally(this.store, this.hints, key, options.hintFor);
    const reply = await this.peers.call(this.address(node), options.hintFor === undefined ? { type: 'fetch', key } : { type: 'fetch', key, hintFor: options.hintFor }, this.left(options));
    if (reply.type !== 'fetch-ok') throw protocolError('internal', `${node} answered fetch with ${reply.type}`);
    return reply.set === undefined ? undefined : decodeSet(reply.set);
  }

  private address(node: string): string {
    const address = this.addressOf(node);
    if (address === undefined) throw protocolError('unavailable', `no address known for ${node}`);
    return address;
  }

  private left(options: ReplicaCallOptions): number {
    const ms = options.deadlineMs - this.clock.now();
    if (ms <= 0) throw protocolError('timeout', 'the deadline passed before the call was sent');
    return ms;
  }
}

/** An apply's body, built in one of three fixed shapes (no spread on the hot path); a relay node's forwards use it too. */
export function applyBody(key: Key, set: Uint8Array, options: Pick<ReplicaCallOptions, 'hintFor' | 'hintStampMs'>): PeerCallBody {
  const hintFor = options.hintFor;
  if (hintFor === undefined) return { type: 'apply', key, set };
  return options.hintStampMs === undefined ? { type: 'apply', key, set, hintFor } : { type: 'apply', key, set, hintFor, hintStampMs: Math.max(0, Math.floor(options.hintStampMs)) };
}

/**
 * Invariant 1, for this node. A hint is stamped with the write's start when
 * the coordinator sent it (`hintStampMs`), never later than now: an apply that
 * reached this stand-in late (a network delay, a paused process) must not
 * give the hint a TTL past the write's age, or it could outlive a later
 * delete's tombstone and replay the deleted value (found by cluster-sim).
 */
export async function applyLocally(store: ReplicaStore, hints: EngineHintStore, clock: Clock, key: Key, set: DvvSet<StoredValue>, hintFor: string | undefined, hintStampMs?: number): Promise<void> {
  if (hintFor === undefined) await store.syncIn(key, set);
  else await hints.put(hintFor, key, set, Math.min(clock.now(), hintStampMs ?? Number.POSITIVE_INFINITY));
}

/** The stored set, or with `hintFor` the hint held for that primary. */
export function fetchLocally(store: ReplicaStore, hints: EngineHintStore, key: Key, hintFor: string | undefined): StoredSet | undefined {
  store.readHold.check(); // `unavailable` while lost writes are being repaired
  return hintFor === undefined ? store.readSet(key) : hints.get(hintFor, key);
}
