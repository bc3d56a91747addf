/**
 * The number of data records (`d` prefix) this node stores and their bytes
 * (user key + stored set, the measure streams and plans use), for /status
 * `store` and /metrics `ringkv_store_keys` / `ringkv_store_bytes`: what an
 * operator compares with the node's share of the ring.
 *
 * Counted once by a scan of the `d` prefix at start, in chunks (a timer turn
 * between chunks, so a node with millions of keys serves requests while it
 * counts), and kept by the store's write hooks from then on. Writes land
 * during the scan, so:
 *
 * Invariants:
 *   1. A key at or before the scan cursor has been counted; the write hook
 *      applies (before → after) for it. A key after the cursor is not counted
 *      yet; the hook ignores it and the scan counts it as it stands when
 *      reached.
 *   2. A key whose batch is in flight (announced by the intent hook, not yet
 *      reported by the write hook) is skipped by the scan: the engine may
 *      already hold its new state. Its write-hook call then counts it as
 *      (absent → after), whichever side of the cursor it is on.
 *   3. Once the scan is done, every write-hook call applies (before → after),
 *      so `keys`/`bytes` equal a scan of the engine at every moment; a failed
 *      batch reports (before, before) and changes nothing.
 *   4. Only `d` records count: hints, metadata and the tombstone index do not.
 *      A tombstone-only set is a stored record and counts until collected.
 */
import type { StorageEngine } from '../store/engine-port.js';
import { dataPrefix, keyId } from '../store/keys.js';
import type { WriteObserver } from '../store/replica-store.js';

/** /status `store`: data records held by this node. */
export interface DataCountStatus {
  readonly keys: number;
  /** User key bytes plus stored set bytes (before compression). */
  readonly bytes: number;
  /** False while the start-up count still runs (the figures are partial until then). */
  readonly counted: boolean;
}

/** Records the start-up scan reads per turn. */
export const dataCountChunkKeys = 2_000;

/** Bytes a data record counts for: its user key (the storage key minus prefix and position) and its stored set. */
function recordBytes(skey: Uint8Array, value: Uint8Array): number {
  return skey.length - 9 + value.length;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Data record count and bytes (module comment). */
export class DataCount {
  private keys = 0;
  private bytes = 0;
  private cursor: Uint8Array | undefined;
  private done = false;
  /** Keys announced by the intent hook and not yet reported, with how many batches of each are in flight. */
  private readonly inFlight = new Map<string, number>();
  /** Keys the scan skipped because they were in flight (invariant 2). */
  private readonly skipped = new Set<string>();

  constructor(private readonly engine: Pick<StorageEngine, 'iterate'>) {}

  /**
   * Counts the `d` records in chunks of `chunkKeys`, calling `turn()` between
   * chunks; resolves when done. Install `observe` and `intent` first.
   */
  async count(turn: () => Promise<void>, chunkKeys = dataCountChunkKeys): Promise<void> {
    const end = Uint8Array.of(dataPrefix + 1);
    for (;;) {
      const bounds = this.cursor === undefined ? { gte: Uint8Array.of(dataPrefix), lt: end, limit: chunkKeys } : { gt: this.cursor, lt: end, limit: chunkKeys };
      let n = 0;
      for (const [skey, value] of this.engine.iterate(bounds)) {
        n++;
        this.cursor = skey.slice();
        const id = keyId(skey);
        if (this.inFlight.has(id)) this.skipped.add(id);
        else this.add(skey, value, 1);
      }
      if (n < chunkKeys) break;
      await turn();
    }
    this.done = true;
    this.inFlight.clear();
  }

  /** The store's intent hook (`ReplicaStore.observeIntent`): keys whose batch is about to reach the engine. */
  readonly intent = (skeys: readonly Uint8Array[]): void => {
    if (this.done) return;
    for (const skey of skeys) {
      if (skey[0] !== dataPrefix) continue;
      const id = keyId(skey);
      this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    }
  };

  /** The store's write hook (`ReplicaStore.observe`). */
  readonly observe: WriteObserver = (skey, old, next) => {
    if (skey[0] !== dataPrefix) return;
    if (this.done && this.skipped.size === 0) {
      // Invariant 3, and no key left from the scan: the common case needs no key string (one per write).
      this.apply(skey, old, next);
      return;
    }
    const id = keyId(skey);
    if (!this.done) {
      const left = (this.inFlight.get(id) ?? 1) - 1;
      if (left > 0) this.inFlight.set(id, left);
      else this.inFlight.delete(id);
    }
    if (this.skipped.delete(id)) old = undefined; // invariant 2: the scan counted nothing for it
    else if (!this.done && (this.cursor === undefined || compare(skey, this.cursor) > 0)) return; // invariant 1
    this.apply(skey, old, next);
  };

  private apply(skey: Uint8Array, old: Uint8Array | undefined, next: Uint8Array | undefined): void {
    if (old !== undefined) this.add(skey, old, -1);
    if (next !== undefined) this.add(skey, next, 1);
  }

  /** The figures now. */
  status(): DataCountStatus {
    return { keys: this.keys, bytes: this.bytes, counted: this.done };
  }

  private add(skey: Uint8Array, value: Uint8Array, sign: 1 | -1): void {
    this.keys += sign;
    this.bytes += sign * recordBytes(skey, value);
  }
}
