/**
 * One anti-entropy exchange: this node (the driver) and one peer reconcile
 * one tree (a replica set both belong to).
 *
 *   1. Roots first, then only differing subtrees (merkle `compareNodes`,
 *      `aeStrideLevels` per round trip), against a snapshot of the local
 *      tree (writes landing meanwhile do not disturb the descent).
 *   2. For the differing buckets: the peer's (key, set) pairs, chunked
 *      (`range-sets`, resumed with `more`), and the local ones from a scan.
 *   3. Every key is merged with DVV `sync` on both sides: a merged set that
 *      differs from the local one is synced into the local store; one that
 *      differs from the peer's is pushed (`sync-sets`, chunked). Sync is
 *      idempotent and commutative, so a key written meanwhile loses nothing.
 *
 * Invariants:
 *   1. Equal trees cost one round trip of one hash (8 bytes) and no scan.
 *   2. Every peer byte goes through `throttle` before the next call, so the
 *      exchange never exceeds the configured bytes per second on average.
 *   3. One call at a time per exchange (bounded in flight: the service runs
 *      one exchange at a time).
 */
import { compareNodes, firstRequest, type MerkleTree, type NodeRequest } from '@ringkv/merkle';
import { protocolError, treeIndicesMax, type PeerMessage } from '@ringkv/protocol';
import { empty, sync } from '@ringkv/vclock';
import { decodeSet, encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';
import { keyId } from '../store/keys.js';
import { decodeEntries, encodeEntries, type SetEntry } from './entries.js';
import { aeChunkBytesTarget, aeStrideLevels } from './limits.js';

/** The exchange calls a peer makes (the body without id/timeout). */
export type ExchangeCall =
  | { readonly type: 'tree-nodes'; readonly group: string; readonly bucketsLog2: number; readonly depth: number; readonly indices: Uint8Array }
  | { readonly type: 'range-sets'; readonly group: string; readonly bucketsLog2: number; readonly buckets: Uint8Array; readonly after?: Uint8Array; readonly bytesMax: number }
  | { readonly type: 'sync-sets'; readonly entries: Uint8Array };

/** What the exchange needs of its side and of the peer. */
export interface ExchangePorts {
  /** Sends one call to the peer; rejects on failure. */
  call(body: ExchangeCall): Promise<PeerMessage>;
  /** The local tree of the group (cloned by the exchange). */
  tree(group: string): MerkleTree;
  /** Local (storage key, set bytes) of `group` in `bucket`. */
  scanBucket(group: string, bucket: number): Iterable<[Uint8Array, Uint8Array]>;
  /** DVV-syncs `set` into the local store under user key `key`; resolves once durable. */
  syncIn(key: Uint8Array, set: StoredSet): Promise<unknown>;
  /** Waits as long as needed to keep `bytes` more within the bandwidth budget. */
  throttle(bytes: number): Promise<void>;
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
  const theirs = await fetchRemote(group, snapshot.bucketsLog2, buckets, ports, result);
  await reconcile(group, buckets, theirs, ports, result);
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

type Remote = Map<string, { key: Uint8Array; set: StoredSet; bytes: Uint8Array }>;

async function fetchRemote(group: string, bucketsLog2: number, buckets: number[], ports: ExchangePorts, result: ExchangeResult): Promise<Remote> {
  const out: Remote = new Map();
  for (let i = 0; i < buckets.length; i += treeIndicesMax) {
    const chunk = u32s(buckets.slice(i, i + treeIndicesMax));
    let after: Uint8Array | undefined;
    do {
      const body = { type: 'range-sets' as const, group, bucketsLog2, buckets: chunk, bytesMax: aeChunkBytesTarget, ...(after === undefined ? {} : { after }) };
      const reply = await counted(ports, body, chunk.length + (after?.length ?? 0) + group.length + 40, result);
      if (reply.type !== 'range-sets-ok') throw unexpected(reply);
      result.bytesReceived += reply.entries.length;
      await ports.throttle(reply.entries.length);
      for (const e of decodeEntries(reply.entries)) out.set(keyId(e.key), e);
      after = reply.more;
    } while (after !== undefined);
  }
  return out;
}

async function reconcile(group: string, buckets: number[], theirs: Remote, ports: ExchangePorts, result: ExchangeResult): Promise<void> {
  const push: SetEntry[] = [];
  let pushBytes = 0;
  const local = new Set<string>();
  const pulls: Promise<unknown>[] = [];
  const visit = (key: Uint8Array, mine: Uint8Array | undefined, mineSet: StoredSet, remote: Remote extends Map<string, infer V> ? V | undefined : never): void => {
    result.keysCompared++;
    const merged = remote === undefined ? mineSet : sync(mineSet, remote.set);
    const encoded = encodeSet(merged);
    if (mine === undefined || !sameBytes(encoded, mine)) {
      result.keysPulled++;
      pulls.push(ports.syncIn(key, remote?.set ?? merged));
    }
    if (remote === undefined || !sameBytes(encoded, remote.bytes)) {
      result.keysPushed++;
      push.push({ key, set: encoded });
      pushBytes += encoded.length + key.length;
    }
  };
  for (const bucket of buckets) {
    for (const [skey, bytes] of ports.scanBucket(group, bucket)) {
      const key = skey.subarray(9);
      const id = keyId(key);
      local.add(id);
      visit(key, bytes, decodeSet(bytes), theirs.get(id));
      if (pushBytes >= aeChunkBytesTarget) pushBytes = await flush(push, ports, result);
    }
  }
  for (const [id, remote] of theirs) if (!local.has(id)) visit(remote.key, undefined, empty<StoredValue>(), remote);
  await Promise.all(pulls);
  await flush(push, ports, result);
}

async function flush(push: SetEntry[], ports: ExchangePorts, result: ExchangeResult): Promise<number> {
  if (push.length === 0) return 0;
  const entries = encodeEntries(push.splice(0));
  const reply = await counted(ports, { type: 'sync-sets', entries }, entries.length + 16, result);
  if (reply.type !== 'sync-sets-ok') throw unexpected(reply);
  return 0;
}

async function counted(ports: ExchangePorts, body: ExchangeCall, bytes: number, result: ExchangeResult): Promise<PeerMessage> {
  await ports.throttle(bytes);
  result.bytesSent += bytes;
  result.roundTrips++;
  return ports.call(body);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function unexpected(reply: PeerMessage): Error {
  if (reply.type === 'peer-error') return protocolError(reply.code, `peer: ${reply.message}`);
  return protocolError('internal', `the peer answered an anti-entropy call with ${reply.type}`);
}
