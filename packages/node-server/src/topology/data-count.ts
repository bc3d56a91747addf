/**
 * The number of data records (`d` prefix) this node stores and their bytes
 * (user key + stored set, the measure streams and plans use), for /status
 * `store` and /metrics `ringkv_store_keys` / `ringkv_store_bytes`: what an
 * operator compares with the node's share of the ring.
 *
 * Invariants:
 *   1. Counted once by a scan of the `d` prefix when the node's core is
 *      assembled, before any write can be in flight (the core has not
 *      started; the store's start-up metadata writes have settled), then kept
 *      by the store's write hook: every committed batch reports (before,
 *      after) per key, and a failed one (before, before), so the figures
 *      follow the engine exactly without a rescan.
 *   2. Only `d` records count: hints, metadata and the tombstone index do not.
 *      A tombstone-only set is a stored record and counts until collected.
 */
import type { StorageEngine } from '../store/engine-port.js';
import { dataPrefix } from '../store/keys.js';
import type { WriteObserver } from '../store/replica-store.js';

/** /status `store`: data records held by this node. */
export interface DataCountStatus {
  readonly keys: number;
  /** User key bytes plus stored set bytes (before compression). */
  readonly bytes: number;
}

/** Bytes a data record counts for: its user key (the storage key minus prefix and position) and its stored set. */
function recordBytes(skey: Uint8Array, value: Uint8Array): number {
  return skey.length - 9 + value.length;
}

/** Data record count and bytes (module comment). */
export class DataCount {
  private keys = 0;
  private bytes = 0;

  /** Counts the `d` records of `engine` now (invariant 1: call before writes can be in flight, then install `observe`). */
  constructor(engine: Pick<StorageEngine, 'iterate'>) {
    for (const [skey, value] of engine.iterate({ gte: Uint8Array.of(dataPrefix), lt: Uint8Array.of(dataPrefix + 1) })) {
      this.keys++;
      this.bytes += recordBytes(skey, value);
    }
  }

  /** The store's write hook (`ReplicaStore.observe`). */
  readonly observe: WriteObserver = (skey, old, next) => {
    if (skey[0] !== dataPrefix) return;
    if (old !== undefined) {
      this.keys--;
      this.bytes -= recordBytes(skey, old);
    }
    if (next !== undefined) {
      this.keys++;
      this.bytes += recordBytes(skey, next);
    }
  };

  /** The figures now. */
  status(): DataCountStatus {
    return { keys: this.keys, bytes: this.bytes };
  }
}
