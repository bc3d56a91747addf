/**
 * The tombstone index: one small record per key whose sibling set holds only
 * tombstones and values with a deadline (vclock `isTombstoneOrExpiringOnly`:
 * sets that are, or will become, tombstone-only), so the collector scans
 * those and never the data.
 *
 *   key   = 't' (0x74) ‖ position (8 bytes, as the data key) ‖ user key bytes
 *   value = 24 bytes: f64 BE `sinceMs` ‖ f64 BE `generation` ‖ f64 BE `batchSeq`
 *
 * `sinceMs` is the injected clock's time at which the set took its current
 * tombstone-only state on this node (minus the age the sender reported, for a
 * tombstone that anti-entropy delivered into an empty slot); it is what the
 * grace period is measured from. `generation` and `batchSeq` name the write
 * batch that stored this state (this start's gossip generation and the
 * store's batch counter), so "an exchange started after this tombstone was
 * committed here" is an exact comparison of batch numbers, immune to clock
 * jumps.
 *
 * Invariants:
 *   1. An index record exists iff the data record of its key is
 *      tombstone-or-expiring-only; both are written in the same engine batch (the
 *      replica store's `mutateSet`), so a crash never separates them.
 *   2. The record is rewritten (new time, new batch) whenever the
 *      tombstone-only set changes, and left alone when a write leaves the set
 *      byte-for-byte unchanged.
 *   3. The index key has the data key's length and order (prefix byte
 *      swapped), so it fits the engine's key bound like the data key.
 */
import { dataPrefix } from './keys.js';

/** Prefix of tombstone index records. */
export const tombstonePrefix = 0x74; // 't'

/** Bytes of an index value. */
const markBytes = 24;

/** What the index holds for one tombstone-only key. */
export interface TombstoneMark {
  /** Clock time (ms) from which the grace period runs. */
  readonly sinceMs: number;
  /** Gossip generation of the start that committed this state. */
  readonly generation: number;
  /** The store batch (counter of that start) that committed it. */
  readonly batchSeq: number;
}

/** The index key of a data storage key (a fresh buffer). */
export function tombstoneKey(dataKey: Uint8Array): Uint8Array {
  const out = dataKey.slice();
  out[0] = tombstonePrefix;
  return out;
}

/** The data storage key of an index key (a fresh buffer). */
export function dataKeyOf(indexKey: Uint8Array): Uint8Array {
  const out = indexKey.slice();
  out[0] = dataPrefix;
  return out;
}

/** The stored form of a mark. */
export function encodeMark(mark: TombstoneMark): Uint8Array {
  const out = new Uint8Array(markBytes);
  const view = new DataView(out.buffer);
  view.setFloat64(0, mark.sinceMs);
  view.setFloat64(8, mark.generation);
  view.setFloat64(16, mark.batchSeq);
  return out;
}

/** The mark of a stored value, or undefined when it is not one (a damaged record is treated as "not collectable"). */
export function decodeMark(bytes: Uint8Array): TombstoneMark | undefined {
  if (bytes.length !== markBytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const mark = { sinceMs: view.getFloat64(0), generation: view.getFloat64(8), batchSeq: view.getFloat64(16) };
  return Number.isFinite(mark.sinceMs) && Number.isFinite(mark.generation) && Number.isFinite(mark.batchSeq) ? mark : undefined;
}

/** Bounds of the whole index (a scan of tombstones only). */
export const tombstoneBounds = { gte: Uint8Array.of(tombstonePrefix), lt: Uint8Array.of(tombstonePrefix + 1) } as const;
