/**
 * The slice of @ringkv/lsm-engine's `Engine` the replica store uses. Keeping
 * it an interface lets unit tests run the store over an in-memory map and
 * documents exactly which engine guarantees the node relies on:
 *
 *   1. `batch` is atomic and, once resolved, visible to `getSync`/`get`;
 *      with durability 'sync' it is also fsynced (group commit in the engine).
 *   2. `close` fsyncs what was acknowledged and releases the directory lock.
 *   3. A full disk is not fatal: `batch` rejects with `no-space` while it
 *      lasts, reads go on, writes resume by themselves once space is back,
 *      and `close` still succeeds (`writeState` reports it).
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
  /**
   * Whether the engine accepts writes now (false on a full disk, which it
   * retries, or after a fatal error). Optional: an engine without it is taken
   * as writable. Drives `/health`'s `read-only` answer.
   */
  writeState?(): { writable: true } | { writable: false; reason: string };
  close(options?: { flush?: boolean }): Promise<void>;
  /** A consistent copy of the engine in the empty directory `dir`, taken while it serves (backups; optional: an engine without it cannot be backed up). */
  checkpoint?(dir: string): Promise<{ tables: number; bytes: number; lastSeq: number }>;
}

/** The engine's write state, an engine without `writeState` counting as writable. */
export function writeStateOf(engine: StorageEngine): { writable: boolean; reason?: string } {
  return engine.writeState?.() ?? { writable: true };
}

/** `engine.stats()` with `writable` (and `readOnlyReason` when not), as `/status` and `/metrics` show it. */
export function storageStatus(engine: StorageEngine): Record<string, unknown> {
  const state = writeStateOf(engine);
  const stats = engine.stats();
  return { writable: state.writable, readOnlyReason: state.reason, ...(typeof stats === 'object' && stats !== null ? stats : {}) };
}
