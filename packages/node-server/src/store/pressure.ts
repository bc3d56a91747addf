/**
 * Whether the storage is behind: the engine's L0 holds
 * `storageBehindL0Tables` tables (its write slowdown trigger) or its frozen
 * memtables wait for a flush, or the replica store's write queue is long.
 * Connections then take in fewer large requests (request-budget.ts,
 * invariant 3), so work does not pile up in front of a stall.
 *
 * Cheap by construction: the engine's stats are read at most once per
 * `storagePressureCheckMs`, and the answer is cached in between.
 */
import { storageBehindL0Tables, storageBehindQueuedWrites, storagePressureCheckMs } from '../limits.js';
import type { StorageEngine } from './engine-port.js';

interface EngineShape {
  levels?: { tables: number }[];
  frozenMemtables?: number;
}

/** Returns the cached `behind()` check of `engine` and the store's queue. */
export function storagePressure(engine: StorageEngine, queuedWrites: () => number, nowMs: () => number = Date.now): () => boolean {
  let checkedAtMs = Number.NEGATIVE_INFINITY;
  let behind = false;
  return () => {
    const now = nowMs();
    if (now - checkedAtMs < storagePressureCheckMs) return behind;
    checkedAtMs = now;
    const stats = engine.stats() as EngineShape | undefined;
    const l0 = stats?.levels?.[0]?.tables ?? 0;
    behind = l0 >= storageBehindL0Tables || (stats?.frozenMemtables ?? 0) >= 2 || queuedWrites() >= storageBehindQueuedWrites;
    return behind;
  };
}
