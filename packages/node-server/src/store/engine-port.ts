/**
 * The slice of @ringkv/lsm-engine's `Engine` the replica store uses. Keeping
 * it an interface lets unit tests run the store over an in-memory map and
 * documents exactly which engine guarantees the node relies on:
 *
 *   1. `batch` is atomic and, once resolved, visible to `getSync`/`get`;
 *      with durability 'sync' it is also fsynced (group commit in the engine).
 *   2. `close` fsyncs what was acknowledged and releases the directory lock.
 */

/** One engine write: a put of an encoded sibling set (the node never deletes keys; tombstones are versions). */
export interface EngineOp {
  readonly type: 'put';
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The engine as the store sees it. */
export interface StorageEngine {
  getSync(key: Uint8Array): Uint8Array | undefined;
  batch(ops: readonly EngineOp[], options?: { durability?: 'sync' | 'interval' | 'none' }): Promise<void>;
  stats(): unknown;
  close(options?: { flush?: boolean }): Promise<void>;
}
