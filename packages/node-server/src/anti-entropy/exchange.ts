/**
 * One anti-entropy exchange: this node (the driver) and one peer reconcile
 * one tree (a replica set both belong to).
 *
 *   1. Roots first, then only differing subtrees (merkle `compareNodes`,
 *      `aeStrideLevels` per round trip), against a snapshot of the local
 *      tree (writes landing meanwhile do not disturb the descent).
 *   2. For the differing buckets: the peer's (key, version digest) pairs,
 *      chunked (`range-sets` with `digests`, resumed with `more`), against
 *      the local ones from a scan; only keys whose digests differ or that one
 *      side lacks go further, and only those the peer has are fetched whole
 *      (`key-sets`). So a bucket of many keys with one changed moves one set.
 *   3. Every key is merged with DVV `sync` on both sides: a merged set that
 *      differs from the local one is synced into the local store; one that
 *      differs from the peer's is pushed (`sync-sets`, chunked). Sync is
 *      idempotent and commutative, so a key written meanwhile loses nothing.
 *   4. Tombstones and empty slots (README, "Tombstone collection"): a
 *      tombstone-only set the holder has kept past its grace period
 *      (`pastGrace`) is not sent to a side that holds no record of the key:
 *      that side most likely collected it already, and sending it back
 *      would make the replicas hand it to each other for ever. A younger
 *      one sent into an empty slot carries its age on the holder.
 *
 * Invariants:
 *   1. Equal trees cost one round trip of one hash (8 bytes) and no scan.
 *   2. Every peer byte goes through `throttle` before the next call, so the
 *      exchange never exceeds the configured bytes per second on average.
 *   3. One call at a time per exchange (bounded in flight: the service runs
 *      one exchange at a time).
 *   4. Bounded work per event-loop turn: the local scan and the merge yield
 *      a turn every `aeKeysPerTurn` keys, and at most that many pulled sets
 *      are in the store's write queue at once, so client requests and writes
 *      wait behind one window, not behind a whole chunk.
 */
import { compareNodes, firstRequest, versionDigest, type MerkleTree, type NodeRequest } from '@ringkv/merkle';
import { protocolError, treeIndicesMax, type PeerMessage } from '@ringkv/protocol';
import { empty, isTombstoneOrExpiringOnly, sync } from '@ringkv/vclock';
import { decodeSet, encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';
import { keyId, sameBytes } from '../store/keys.js';
import { decodeEntries, decodePairs, encodeEntries, type SetEntry } from './entries.js';
import { aeBucketsPerCall, aeChunkBytesTarget, aeKeysPerTurn, aeServeKeysPerCall, aeStrideLevels } from './limits.js';

/** The exchange calls a peer makes (the body without id/timeout). */
export type ExchangeCall =
  | { readonly type: 'tree-nodes'; readonly group: string; readonly bucketsLog2: number; readonly depth: number; readonly indices: Uint8Array }
  | { readonly type: 'range-sets'; readonly group: string; readonly bucketsLog2: number; readonly buckets: Uint8Array; readonly after?: Uint8Array; readonly bytesMax: number; readonly digests?: boolean }
  | { readonly type: 'key-sets'; readonly entries: Uint8Array }
  | { readonly type: 'sync-sets'; readonly entries: Uint8Array };

/** What the exchange needs of its side and of the peer. */
export interface ExchangePorts {
  /** Sends one call to the peer; rejects on failure. */
  call(body: ExchangeCall): Promise<PeerMessage>;
  /** The local tree of the group (cloned by the exchange). */
  tree(group: string): MerkleTree;
  /** Local (storage key, set bytes) of `group` in `bucket`. */
  scanBucket(group: string, bucket: number): Iterable<[Uint8Array, Uint8Array]>;
  /** DVV-syncs `set` into the local store under user key `key` (with the sender's tombstone age, if any); resolves once durable. */
  syncIn(key: Uint8Array, set: StoredSet, tombstoneAgeMs?: number): Promise<unknown>;
  /** True when the local tombstone-only set of `skey` is past its grace period here (invariant 4). */
  pastGrace(skey: Uint8Array): boolean;
  /** How long this node has held the tombstone-only set of `skey`, if it is indexed. */
  tombstoneAgeMs(skey: Uint8Array): number | undefined;
  /** Waits as long as needed to keep `bytes` more within the bandwidth budget. */
  throttle(bytes: number): Promise<void>;
  /** Resolves on a later event-loop turn, so requests queued meanwhile are served (invariant 4); before every call too. The service paces here. */
  yieldTurn(): Promise<void>;
}

/** What one exchange did. */
export interface ExchangeResult {
  roundTrips: number;
  nodesCompared: number;
  bucketsDiffering: number;
  keysCompared: number;
  /** Keys whose local set changed (pulled from the peer). */
  keysPulled: number;
  /** Keys pushed to the peer. */
  keysPushed: number;
  bytesSent: number;
  bytesReceived: number;
}

/** An empty result (all counters zero). */
export function emptyResult(): ExchangeResult {
  return { roundTrips: 0, nodesCompared: 0, bucketsDiffering: 0, keysCompared: 0, keysPulled: 0, keysPushed: 0, bytesSent: 0, bytesReceived: 0 };
}

/** u32 big-endian array of numbers (the wire form of indices and buckets). */
export function u32s(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i] as number);
  return out;
}

/** The numbers of a u32 big-endian array. */
export function fromU32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i));
  return out;
}

/** Runs one exchange of `group` with the peer behind `ports` (module comment). */
export async function exchange(group: string, ports: ExchangePorts): Promise<ExchangeResult> {
  const result = emptyResult();
  const snapshot = ports.tree(group).clone();
  const buckets = await differingBuckets(group, snapshot, ports, result);
  result.bucketsDiffering = buckets.length;
  if (buckets.length === 0) return result;
  await reconcile(group, buckets, ports, result);
  return result;
}

async function differingBuckets(group: string, snapshot: MerkleTree, ports: ExchangePorts, result: ExchangeResult): Promise<number[]> {
  const buckets: number[] = [];
  for (let request: NodeRequest | undefined = firstRequest(); request !== undefined; ) {
    const next: number[] = [];
    let depth: number = request.depth;
    for (let i = 0; i < request.indices.length; i += treeIndicesMax) {
      const indices = request.indices.slice(i, i + treeIndicesMax);
      const body = { type: 'tree-nodes' as const, group, bucketsLog2: snapshot.bucketsLog2, depth: request.depth, indices: u32s(indices) };
      const reply = await counted(ports, body, body.indices.length + group.length + 32, result);
      if (reply.type !== 'tree-nodes-ok') throw unexpected(reply);
      result.bytesReceived += reply.hashes.length;
      await ports.throttle(reply.hashes.length);
      const step = compareNodes(snapshot, request.depth, indices, reply.hashes, { stride: aeStrideLevels });
      result.nodesCompared += step.nodesCompared;
      buckets.push(...step.buckets);
      if (step.next !== undefined) {
        next.push(...step.next.indices);
        depth = step.next.depth;
      }
    }
    request = next.length === 0 ? undefined : { depth, indices: next };
  }
  return buckets.sort((a, b) => a - b);
}

interface Digest {
  readonly key: Uint8Array;
  readonly digest: Uint8Array;
}

/** The peer's (key, version digest) pairs of the differing buckets, chunked. */
async function fetchDigests(group: string, bucketsLog2: number, buckets: number[], ports: ExchangePorts, result: ExchangeResult): Promise<Map<string, Digest>> {
  const out = new Map<string, Digest>();
  // A few buckets per call: the peer opens one engine iterator per bucket, all in one turn.
  for (let i = 0; i < buckets.length; i += aeBucketsPerCall) {
    const chunk = u32s(buckets.slice(i, i + aeBucketsPerCall));
    let after: Uint8Array | undefined;
    do {
      const body = { type: 'range-sets' as const, group, bucketsLog2, buckets: chunk, bytesMax: aeChunkBytesTarget, digests: true, ...(after === undefined ? {} : { after }) };
      const reply = await counted(ports, body, chunk.length + (after?.length ?? 0) + group.length + 48, result);
      if (reply.type !== 'range-sets-ok') throw unexpected(reply);
      result.bytesReceived += reply.entries.length;
      await ports.throttle(reply.entries.length);
      for (const e of decodePairs(reply.entries)) out.set(keyId(e.key), { key: e.key, digest: e.set });
      after = reply.more;
    } while (after !== undefined);
  }
  return out;
}

/** A key to fetch from the peer; `absent`: this node holds no record of it. */
interface Want {
  readonly key: Uint8Array;
  readonly absent: boolean;
}

/** A set fetched from the peer. */
interface Fetched {
  readonly set: StoredSet;
  readonly bytes: Uint8Array;
  readonly ageMs?: number;
}

const none = new Uint8Array(0);
const absentMark = Uint8Array.of(1);

/** The peer's sets of `keys`, in chunks of about `aeChunkBytesTarget` of request (absent keys are left out). */
async function fetchSets(keys: readonly Want[], ports: ExchangePorts, result: ExchangeResult): Promise<Map<string, Fetched>> {
  const out = new Map<string, Fetched>();
  for (let i = 0; i < keys.length; ) {
    const chunk: SetEntry[] = [];
    // Replies carry whole sets: a few thousand keys per call keeps a reply near the chunk target for small values.
    for (let bytes = 0; i < keys.length && bytes < aeChunkBytesTarget / 32 && chunk.length < aeServeKeysPerCall; i++) {
      const want = keys[i] as Want;
      chunk.push({ key: want.key, set: want.absent ? absentMark : none });
      bytes += want.key.length + 5;
    }
    const entries = encodeEntries(chunk);
    const reply = await counted(ports, { type: 'key-sets', entries }, entries.length + 16, result);
    if (reply.type !== 'range-sets-ok') throw unexpected(reply);
    result.bytesReceived += reply.entries.length;
    await ports.throttle(reply.entries.length);
    for (const e of decodeEntries(reply.entries)) out.set(keyId(e.key), e);
  }
  return out;
}

async function reconcile(group: string, buckets: number[], ports: ExchangePorts, result: ExchangeResult): Promise<void> {
  const theirs = await fetchDigests(group, ports.tree(group).bucketsLog2, buckets, ports, result);
  const mine = new Map<string, Local>();
  const want: Want[] = [];
  let sinceYield = 0;
  for (const bucket of buckets) {
    // Between buckets, not inside one: an engine iterator is not held across turns.
    if (sinceYield >= aeKeysPerTurn) sinceYield = await yielded(ports);
    for (const [skey, bytes] of ports.scanBucket(group, bucket)) {
      sinceYield++;
      const key = skey.subarray(9);
      const id = keyId(key);
      result.keysCompared++;
      const remote = theirs.get(id);
      theirs.delete(id);
      if (remote !== undefined && sameBytes(remote.digest, versionDigest(bytes))) continue;
      mine.set(id, { key, skey, bytes });
      if (remote !== undefined) want.push({ key, absent: false });
    }
  }
  for (const remote of theirs.values()) {
    result.keysCompared++;
    want.push({ key: remote.key, absent: true });
  }
  const fetched = await fetchSets(want, ports, result);
  await merge(mine, fetched, want, ports, result);
}

/** A local record of a differing key. */
interface Local {
  readonly key: Uint8Array;
  readonly skey: Uint8Array;
  readonly bytes: Uint8Array;
}

/** DVV sync of every differing key: pull into the local store what changed it, push to the peer what it lacked. */
async function merge(mine: Map<string, Local>, fetched: Map<string, Fetched>, want: readonly Want[], ports: ExchangePorts, result: ExchangeResult): Promise<void> {
  const push: SetEntry[] = [];
  let pushBytes = 0;
  const pulls: Promise<unknown>[] = [];
  const keys = new Map<string, Uint8Array>();
  for (const [id, m] of mine) keys.set(id, m.key);
  for (const w of want) keys.set(keyId(w.key), w.key);
  let seen = 0;
  for (const [id, key] of keys) {
    // One window of pulls committed (and a turn yielded) per aeKeysPerTurn keys (invariant 4).
    if (++seen % aeKeysPerTurn === 0) {
      await Promise.all(pulls.splice(0));
      await ports.yieldTurn();
    }
    const local = mine.get(id);
    const remote = fetched.get(id);
    const localSet = local === undefined ? empty<StoredValue>() : decodeSet(local.bytes);
    const merged = sync(localSet, remote?.set ?? empty<StoredValue>());
    const encoded = encodeSet(merged);
    if (remote !== undefined && (local === undefined || !sameBytes(encoded, local.bytes))) {
      result.keysPulled++;
      pulls.push(ports.syncIn(key, remote.set, local === undefined ? remote.ageMs : undefined));
    }
    if (local !== undefined && (remote === undefined || !sameBytes(encoded, remote.bytes))) {
      const entry = remote === undefined ? toEmptySlot(local, localSet, encoded, ports) : { key, set: encoded };
      if (entry === undefined) continue;
      result.keysPushed++;
      push.push(entry);
      pushBytes += encoded.length + key.length;
      // Bounded in keys too: the peer decodes a whole chunk in one turn.
      if (pushBytes >= aeChunkBytesTarget || push.length >= aeServeKeysPerCall) pushBytes = await flush(push, ports, result);
    }
  }
  await Promise.all(pulls);
  await flush(push, ports, result);
}

/** What to push to a peer lacking the key: nothing for a tombstone past grace, its age with a younger one (invariant 4). */
function toEmptySlot(local: Local, set: StoredSet, encoded: Uint8Array, ports: ExchangePorts): SetEntry | undefined {
  if (!isTombstoneOrExpiringOnly(set)) return { key: local.key, set: encoded };
  if (ports.pastGrace(local.skey)) return undefined;
  const ageMs = ports.tombstoneAgeMs(local.skey);
  return ageMs === undefined ? { key: local.key, set: encoded } : { key: local.key, set: encoded, ageMs };
}

async function flush(push: SetEntry[], ports: ExchangePorts, result: ExchangeResult): Promise<number> {
  if (push.length === 0) return 0;
  const entries = encodeEntries(push.splice(0));
  const reply = await counted(ports, { type: 'sync-sets', entries }, entries.length + 16, result);
  if (reply.type !== 'sync-sets-ok') throw unexpected(reply);
  return 0;
}

async function yielded(ports: ExchangePorts): Promise<number> {
  await ports.yieldTurn();
  return 0;
}

/** Runs `apply` on every item, at most `aeKeysPerTurn` at once, each window awaited before the next (invariant 4). */
export async function inWindows<T>(items: readonly T[], apply: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += aeKeysPerTurn) await Promise.all(items.slice(i, i + aeKeysPerTurn).map(apply));
}

async function counted(ports: ExchangePorts, body: ExchangeCall, bytes: number, result: ExchangeResult): Promise<PeerMessage> {
  await ports.yieldTurn();
  await ports.throttle(bytes);
  result.bytesSent += bytes;
  result.roundTrips++;
  return ports.call(body);
}

function unexpected(reply: PeerMessage): Error {
  if (reply.type === 'peer-error') return protocolError(reply.code, `peer: ${reply.message}`);
  return protocolError('internal', `the peer answered an anti-entropy call with ${reply.type}`);
}
