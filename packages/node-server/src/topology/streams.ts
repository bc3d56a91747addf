/**
 * Both ends of range streaming over the peer port: pulling a range from a
 * source (join), pushing a range to a new owner (leave, cleanup), and the
 * serving side of `stream-range`, `stream-push`, `stream-check` and
 * `range-stats`.
 *
 * Chunks use the anti-entropy `entries` format (lz4 above a few KiB): pairs
 * of (user key, stored set). A chunk's *bytes* are its keys plus sets before
 * compression: what the token bucket meters, what /status and /metrics count
 * and what a plan reports, so the three agree.
 *
 * Invariants:
 *   1. Every pulled pair reaches the store through `syncIn` (DVV merge:
 *      nothing already stored is overwritten), and the pull's cursor is
 *      persisted only after the chunk's merges resolved.
 *   2. At most one call in flight per stream (the next chunk is fetched while
 *      the current one merges); every byte passes the token bucket before
 *      the next call.
 *   3. The serving side reads at most one chunk (`bytesMax`, capped) per call.
 */
import { versionDigest } from '@ringkv/merkle';
import { protocolError, type PeerMessage, type RangeStatsMessage, type StreamCheckMessage, type StreamPushMessage, type StreamRangeMessage } from '@ringkv/protocol';
import type { RingRange } from '@ringkv/hashring';
import { decodeEntries, decodePairs, encodeEntries, type SetEntry } from '../anti-entropy/entries.js';
import type { PeerCallBody } from '../cluster/peer-link.js';
import type { StorageEngine } from '../store/engine-port.js';
import { storageKey } from '../store/keys.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { streamCallTimeoutMs, streamChunkBytesMax } from './limits.js';
import { readProgress, writeProgress } from './progress.js';
import { countRange, positionBytesOf, positionOf, scanChunk, type RangeChunk } from './ranges.js';
import type { TokenBucket } from './token-bucket.js';

/** Stream figures since the node started (/metrics `ringkv_stream_*`). */
export interface StreamCounters {
  bytesIn: number;
  bytesOut: number;
  keysIn: number;
  keysOut: number;
}

/** What a stream end needs. */
export interface StreamPorts {
  readonly engine: Pick<StorageEngine, 'iterate' | 'getSync'>;
  readonly store: ReplicaStore;
  readonly call: (address: string, body: PeerCallBody, timeoutMs: number) => Promise<PeerMessage>;
  readonly bucket: TokenBucket;
  readonly counters: StreamCounters;
  /** Called with (keys, bytes) after each chunk, for the progress in /status. */
  readonly progress: (keys: number, bytes: number) => void;
  /** Chunk target in bytes. */
  readonly chunkBytes: number;
  /** True once the node stops: streams end at the next chunk. */
  readonly stopped: () => boolean;
}

/** The wire entries of a scanned chunk. */
export function chunkEntries(chunk: RangeChunk): SetEntry[] {
  return chunk.entries.map((e) => ({ key: e.skey.subarray(9), set: e.value }));
}

function expect(reply: PeerMessage, type: PeerMessage['type'], what: string): PeerMessage {
  if (reply.type === 'peer-error') throw protocolError(reply.code, `${what}: ${reply.message}`);
  if (reply.type !== type) throw protocolError('internal', `${what}: answered with ${reply.type}`);
  return reply;
}

/**
 * Pulls `range` from the node at `address`, resuming from the persisted
 * cursor of `name`, until the source says it is complete; marks it done.
 * Rejects when a call fails (the caller tries another source; the cursor
 * keeps what was merged).
 */
export async function pullRange(ports: StreamPorts, address: string, range: RingRange, name: string): Promise<void> {
  const fetchAfter = (after: Uint8Array | undefined): Promise<Extract<PeerMessage, { type: 'range-sets-ok' }>> => {
    if (ports.stopped()) return Promise.reject(protocolError('shutting-down', 'the node is stopping'));
    const body = { type: 'stream-range' as const, start: positionBytesOf(range.start), end: positionBytesOf(range.end), bytesMax: ports.chunkBytes, ...(after === undefined ? {} : { after }) };
    return ports.call(address, body, streamCallTimeoutMs).then((reply) => expect(reply, 'range-sets-ok', `stream from ${address}`) as Extract<PeerMessage, { type: 'range-sets-ok' }>);
  };
  let next = fetchAfter(readProgress(ports.engine, name).after);
  for (;;) {
    const reply = await next;
    const entries = decodeEntries(reply.entries);
    let bytes = 0;
    for (const e of entries) bytes += e.key.length + e.bytes.length;
    const after = reply.more;
    if (after !== undefined) {
      // The next chunk is asked for (after the bucket allows it) while this one merges: one call and one merge overlap.
      await ports.bucket.take(bytes);
      next = fetchAfter(after);
      next.catch(() => {}); // observed by the next turn of the loop; never unhandled if this turn throws
    }
    await Promise.all(entries.map((e) => ports.store.syncIn(e.key, e.set)));
    ports.counters.bytesIn += bytes;
    ports.counters.keysIn += entries.length;
    ports.progress(entries.length, bytes);
    await writeProgress(ports.store, name, { after, done: after === undefined });
    if (after === undefined) return;
  }
}

/**
 * Pushes every set of `range` to the node at `address` (`stream-push`), in
 * chunks; resolves with the bytes pushed. Rejects when a call fails.
 */
export async function pushRange(ports: StreamPorts, address: string, range: RingRange): Promise<number> {
  let after: Uint8Array | undefined;
  let pushed = 0;
  do {
    if (ports.stopped()) throw protocolError('shutting-down', 'the node is stopping');
    const chunk = scanChunk(ports.engine, range, after, ports.chunkBytes);
    if (chunk.entries.length === 0) break;
    await pushEntries(ports, address, chunkEntries(chunk), chunk.bytes);
    pushed += chunk.bytes;
    after = chunk.more;
  } while (after !== undefined);
  return pushed;
}

/** One `stream-push` of `entries` (bytes already summed), metered and counted. */
export async function pushEntries(ports: StreamPorts, address: string, entries: readonly SetEntry[], bytes: number): Promise<void> {
  await ports.bucket.take(bytes);
  expect(await ports.call(address, { type: 'stream-push', entries: encodeEntries(entries) }, streamCallTimeoutMs), 'sync-sets-ok', `push to ${address}`);
  ports.counters.bytesOut += bytes;
  ports.counters.keysOut += entries.length;
  ports.progress(entries.length, bytes);
}

/**
 * Makes sure the node at `address` holds every set of `chunk`: asks which
 * keys it lacks or holds another version of (`stream-check`), pushes those.
 * Resolves with the bytes pushed; rejects when a call fails.
 */
export async function handOver(ports: StreamPorts, address: string, chunk: RangeChunk): Promise<number> {
  const digests = chunk.entries.map((e) => ({ key: e.skey.subarray(9), set: versionDigest(e.value) }));
  const reply = expect(await ports.call(address, { type: 'stream-check', entries: encodeEntries(digests) }, streamCallTimeoutMs), 'range-sets-ok', `check with ${address}`);
  const wanted = new Set(decodePairs((reply as Extract<PeerMessage, { type: 'range-sets-ok' }>).entries).map((p) => Buffer.from(p.key).toString('latin1')));
  if (wanted.size === 0) return 0;
  const push: SetEntry[] = [];
  let bytes = 0;
  for (const e of chunkEntries(chunk)) {
    if (!wanted.has(Buffer.from(e.key).toString('latin1'))) continue;
    push.push(e);
    bytes += e.key.length + e.set.length;
  }
  if (push.length > 0) await pushEntries(ports, address, push, bytes);
  return bytes;
}

/** The serving side of the topology calls (module comment). Rejects with ProtocolError for a bad request. */
export async function serveStream(
  engine: Pick<StorageEngine, 'iterate' | 'getSync'>,
  store: ReplicaStore,
  counters: StreamCounters,
  call: StreamRangeMessage | StreamPushMessage | StreamCheckMessage | RangeStatsMessage,
): Promise<PeerMessage> {
  switch (call.type) {
    case 'stream-range': {
      const range = { start: positionOf(call.start), end: positionOf(call.end) };
      const chunk = scanChunk(engine, range, call.after, Math.min(call.bytesMax, 2 * streamChunkBytesMax));
      counters.bytesOut += chunk.bytes;
      counters.keysOut += chunk.entries.length;
      const entries = encodeEntries(chunkEntries(chunk));
      return chunk.more === undefined ? { type: 'range-sets-ok', id: call.id, entries } : { type: 'range-sets-ok', id: call.id, entries, more: chunk.more };
    }
    case 'stream-push': {
      const entries = decodeEntries(call.entries);
      await Promise.all(entries.map((e) => store.syncIn(e.key, e.set)));
      for (const e of entries) counters.bytesIn += e.key.length + e.bytes.length;
      counters.keysIn += entries.length;
      return { type: 'sync-sets-ok', id: call.id };
    }
    case 'stream-check': {
      const out: SetEntry[] = [];
      const none = new Uint8Array(0);
      for (const { key, set: digest } of decodePairs(call.entries)) {
        const local = engine.getSync(storageKey(key));
        if (local === undefined || Buffer.compare(Buffer.from(versionDigest(local)), Buffer.from(digest)) !== 0) out.push({ key, set: none });
      }
      return { type: 'range-sets-ok', id: call.id, entries: encodeEntries(out) };
    }
    case 'range-stats':
      return { type: 'range-stats-ok', id: call.id, counts: rangeStats(engine, call.ranges) };
  }
}

/** f64 BE (keys, bytes) per range of `ranges` (16 bytes each), then of all data. */
function rangeStats(engine: Pick<StorageEngine, 'iterate'>, ranges: Uint8Array): Uint8Array {
  const count = ranges.length / 16;
  const out = new Uint8Array((count + 1) * 16);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const range = { start: positionOf(ranges.subarray(i * 16, i * 16 + 8)), end: positionOf(ranges.subarray(i * 16 + 8, i * 16 + 16)) };
    const c = countRange(engine, range);
    view.setFloat64(i * 16, c.keys);
    view.setFloat64(i * 16 + 8, c.bytes);
  }
  const all = countRange(engine, { start: 0n, end: 0n });
  view.setFloat64(count * 16, all.keys);
  view.setFloat64(count * 16 + 8, all.bytes);
  return out;
}

/** The `ranges` field of a `range-stats` call. */
export function encodeRanges(ranges: readonly RingRange[]): Uint8Array {
  const out = new Uint8Array(ranges.length * 16);
  ranges.forEach((r, i) => {
    out.set(positionBytesOf(r.start), i * 16);
    out.set(positionBytesOf(r.end), i * 16 + 8);
  });
  return out;
}

/** The counts of a `range-stats-ok`: per range asked, and the node's total. */
export function decodeCounts(counts: Uint8Array): { ranges: { keys: number; bytes: number }[]; total: { keys: number; bytes: number } } {
  const view = new DataView(counts.buffer, counts.byteOffset, counts.length);
  const all: { keys: number; bytes: number }[] = [];
  for (let i = 0; i + 16 <= counts.length; i += 16) all.push({ keys: view.getFloat64(i), bytes: view.getFloat64(i + 8) });
  const total = all.pop() ?? { keys: 0, bytes: 0 };
  return { ranges: all, total };
}

/** Local range stats without a peer call (this node is the source). */
export function localCounts(engine: Pick<StorageEngine, 'iterate'>, ranges: readonly RingRange[]): ReturnType<typeof decodeCounts> {
  return decodeCounts(rangeStats(engine, encodeRanges(ranges)));
}
