/**
 * The replica side of key listing: one `scan-range` call answered from the
 * engine (protocol key-listing.ts).
 *
 * Invariants:
 *   1. The reply holds the keys stored at or after `from` and at or before
 *      position `end`, in stored order, each with its stripped set
 *      (stripped-set.ts); keys not starting with `prefix` are skipped but
 *      still count as examined.
 *   2. One call examines at most `scanChunkKeysMax` keys and replies with at most
 *      `keysMax` keys and about `bytesMax` bytes of sets; when it stops
 *      early, `more` is the point to resume from (the successor of the last
 *      key examined), so nothing is skipped or repeated.
 *   3. Every byte read from the engine (keys and stored sets) passes the
 *      node's scan token bucket before the reply leaves: all scans served
 *      by one node together read at most `scanBytesPerSec` on average. The
 *      reply also waits `scanPauseFactor` times the chunk's synchronous
 *      work, so one scan takes at most half of the node's event loop.
 *   4. A stored set that does not decode is skipped and counted, never
 *      failing the whole scan (anti-entropy repairs it from a replica).
 */
import { scanKeysPerCallMax, type PeerMessage, type ScanRangeMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import { encodeEntries, type SetEntry } from '../anti-entropy/entries.js';
import type { StorageEngine } from '../store/engine-port.js';
import { dataPrefix } from '../store/keys.js';
import { decodeSet, encodeSet } from '../store/set-codec.js';
import type { TokenBucket } from '../topology/token-bucket.js';
import { pointAfterPosition, pointOfStorageKey, positionOfPoint, successorOf } from './points.js';
import { scanChunkKeysMax, scanPauseFactor, scanReplyBytesMax } from './limits.js';
import { strippedSet } from './stripped-set.js';

/** What the serving side counts (/metrics `ringkv_scan_*`). */
export interface ScanServeCounters {
  /** `scan-range` calls served (from peers and from this node's own scans). */
  calls: number;
  keysExamined: number;
  bytesRead: number;
  corruptSkipped: number;
}

/** A `scan-range` call as its body (without id and timeout). */
export type ScanRangeBody = Pick<ScanRangeMessage, 'from' | 'end' | 'prefix' | 'keysMax' | 'bytesMax'>;

/** One chunk of a range: the wire entries and where to resume, if the call stopped early. */
export interface ScanChunk {
  readonly entries: Uint8Array;
  readonly more: Uint8Array | undefined;
}

function storageKeyOf(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(point.length + 1);
  out[0] = dataPrefix;
  out.set(point, 1);
  return out;
}

function startsWith(key: Uint8Array, prefix: Uint8Array | undefined): boolean {
  if (prefix === undefined) return true;
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** Reads one chunk (invariants 1, 2, 4) and takes its bytes from `bucket` (invariant 3). */
export async function serveScanRange(engine: Pick<StorageEngine, 'iterate'>, bucket: TokenBucket, clock: Clock, counters: ScanServeCounters, call: ScanRangeBody): Promise<ScanChunk> {
  counters.calls++;
  const startedMs = clock.now();
  const end = positionOfPoint(call.end);
  const after = pointAfterPosition(end);
  const lt = after === undefined ? Uint8Array.of(dataPrefix + 1) : storageKeyOf(after);
  const entries: SetEntry[] = [];
  const examinedMax = Math.min(scanKeysPerCallMax, scanChunkKeysMax);
  const keysMax = Math.min(call.keysMax, examinedMax);
  const bytesMax = Math.min(call.bytesMax, scanReplyBytesMax);
  let examined = 0;
  let replyBytes = 0;
  let readBytes = 0;
  let more: Uint8Array | undefined;
  for (const [skey, value] of engine.iterate({ gte: storageKeyOf(call.from), lt })) {
    examined++;
    readBytes += skey.length - 1 + value.length;
    const point = pointOfStorageKey(skey);
    const key = point.subarray(8);
    if (startsWith(key, call.prefix)) {
      let set: Uint8Array | undefined;
      try {
        set = encodeSet(strippedSet(decodeSet(value)));
      } catch {
        counters.corruptSkipped++;
      }
      if (set !== undefined) {
        entries.push({ key, set });
        replyBytes += key.length + set.length;
      }
    }
    if (examined >= examinedMax || entries.length >= keysMax || replyBytes >= bytesMax) {
      more = successorOf(point);
      break;
    }
  }
  counters.keysExamined += examined;
  counters.bytesRead += readBytes;
  const encoded = encodeEntries(entries);
  await pauseAfter(clock, startedMs);
  await bucket.take(readBytes);
  return { entries: encoded, more };
}

/** Waits `scanPauseFactor` times the synchronous work since `startedMs` (invariant 3). */
export function pauseAfter(clock: Clock, startedMs: number): Promise<void> {
  const busyMs = clock.now() - startedMs;
  if (busyMs <= 0) return Promise.resolve();
  return new Promise((resolve) => clock.setTimer(busyMs * scanPauseFactor, resolve));
}

/** The peer reply of a served chunk. */
export function scanRangeReply(id: number, chunk: ScanChunk): PeerMessage {
  return chunk.more === undefined ? { type: 'range-sets-ok', id, entries: chunk.entries } : { type: 'range-sets-ok', id, entries: chunk.entries, more: chunk.more };
}
