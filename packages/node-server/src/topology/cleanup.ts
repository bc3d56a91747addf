/**
 * Cleanup of one range this node no longer replicates: chunk by chunk, make
 * sure every owner holds each set (digest check, push what differs), then
 * delete the chunk's keys in bounded batches, yielding a timer turn between
 * batches.
 *
 * Invariants:
 *   1. A key is deleted only after every owner confirmed its set (or took
 *      the push) in this run, and only if its stored bytes are still the
 *      bytes that were confirmed (a write meanwhile keeps the key).
 *   2. The run stops before the next chunk when a member starts joining or
 *      leaving (`changing`), leaving the rest of the range in place.
 */
import type { RingRange } from '@ringkv/hashring';
import type { Clock } from '@ringkv/quorum';
import type { ReplicaStore } from '../store/replica-store.js';
import { cleanupBatchKeys } from './limits.js';
import { scanChunk } from './ranges.js';
import { handOver, type StreamPorts } from './streams.js';

/** Cleanup counters since the node started (/status `cluster.topology.cleanup`). */
export interface CleanupStats {
  runs: number;
  rangesDropped: number;
  keysDropped: number;
  bytesPushed: number;
}

/** What cleaning one range needs beyond a stream's ports. */
export interface CleanupPorts extends StreamPorts {
  readonly clock: Clock;
  readonly changing: () => boolean;
}

/** Hands `range` over to `owners` and drops it here (module comment). `complete` is false when it stopped early. */
export async function cleanupRange(
  ports: CleanupPorts,
  range: RingRange,
  owners: readonly { readonly id: string; readonly address: string }[],
): Promise<{ complete: boolean; keysDropped: number; bytesPushed: number }> {
  let after: Uint8Array | undefined;
  let keysDropped = 0;
  let bytesPushed = 0;
  do {
    if (ports.stopped() || ports.changing()) return { complete: false, keysDropped, bytesPushed };
    const chunk = scanChunk(ports.engine, range, after, ports.chunkBytes);
    if (chunk.entries.length === 0) break;
    for (const owner of owners) bytesPushed += await handOver(ports, owner.address, chunk);
    for (let i = 0; i < chunk.entries.length; i += cleanupBatchKeys) {
      const batch = chunk.entries.slice(i, i + cleanupBatchKeys);
      const deleted = await Promise.all(batch.map((e) => deleteIfUnchanged(ports.store, e.skey, e.value)));
      keysDropped += deleted.filter(Boolean).length;
      await new Promise<void>((resolve) => ports.clock.setTimer(0, resolve));
    }
    after = chunk.more;
  } while (after !== undefined);
  return { complete: true, keysDropped, bytesPushed };
}

/** Deletes `skey` if it still holds `expected` (invariant 1); resolves true when it did. */
export function deleteIfUnchanged(store: ReplicaStore, skey: Uint8Array, expected: Uint8Array): Promise<boolean> {
  return store.mutate<Uint8Array | undefined, boolean>({
    skey,
    load: (stored) => stored,
    step: (current) => {
      const same = current !== undefined && Buffer.compare(Buffer.from(current), Buffer.from(expected)) === 0;
      // Keeping a changed key rewrites its own bytes: the mutation contract has no "leave as is".
      return same ? { next: undefined, encoded: undefined, result: true } : { next: current, encoded: current, result: false };
    },
  });
}
