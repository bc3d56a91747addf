/**
 * The slice of @ringkv/lsm-engine's `Engine` the replica store uses. Keeping
 * it an interface lets unit tests run the store over an in-memory map and
 * documents exactly which engine guarantees the node relies on:
 *
 *   1. `batch` is atomic and, once resolved, visible to `getSync`/`get`;
 *      with durability 'sync' it is also fsynced (group commit in the engine).
 *   2. `close` fsyncs what was acknowledged and releases the directory lock.
 */

/**
 * One engine write: a put (an encoded sibling set, hint or metadata record)
 * or a delete (only hints are deleted: data keys keep their tombstones).
 */
export type EngineOp = { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: Uint8Array };

/** Bounds of a key-ordered scan (the engine's `iterate` options). */
export interface ScanBounds {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lt?: Uint8Array;
  limit?: number;
}

/** The engine as the store sees it. */
export interface StorageEngine {
  getSync(key: Uint8Array): Uint8Array | undefined;
  /** Key-ordered entries within the bounds, at a snapshot taken when iteration starts (hints are listed this way). */
  iterate(bounds: ScanBounds): Iterable<[Uint8Array, Uint8Array]>;
  batch(ops: readonly EngineOp[], options?: { durability?: 'sync' | 'interval' | 'none' }): Promise<void>;
  stats(): unknown;
  close(options?: { flush?: boolean }): Promise<void>;
}
