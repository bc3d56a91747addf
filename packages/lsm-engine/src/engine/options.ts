/**
 * Engine options: what a caller may set, the defaults, and their validation.
 */
import { systemClock, type Clock } from '../clock.js';
import { LsmError } from '../errors.js';
import * as L from '../limits.js';
import { DEFAULT_BLOCK_SIZE_BYTES, DEFAULT_BLOOM_BITS_PER_KEY, DEFAULT_RESTART_INTERVAL } from '../sstable/index.js';
import type { Vfs } from '../vfs/vfs.js';
import { NodeVfs } from '../vfs/node-vfs.js';

/** When a write is acknowledged relative to its fsync. */
export type Durability = 'sync' | 'interval' | 'none';

/**
 * What recovery does with log damage that a torn tail cannot explain (README,
 * "Log damage"): `strict` refuses to open (`corruption`); `salvage` skips the
 * damaged regions, replays every valid record and reports the loss in
 * `stats().recovery.corruption` for the caller to repair from elsewhere.
 */
export type WalRecovery = 'strict' | 'salvage';

/** Per-write options. */
export interface WriteOptions {
  /** Overrides the engine's `durability` for this write. */
  durability?: Durability;
}

/** Options of `openEngine`; every field is optional. */
export interface EngineOptions {
  /** File system; defaults to the real disk (`NodeVfs`). */
  vfs?: Vfs;
  /** Time source; defaults to the system clock. */
  clock?: Clock;
  /** Default durability of writes (default 'sync'). */
  durability?: Durability;
  /** With 'interval' durability, the longest time between a write and its fsync (default 100). */
  syncIntervalMs?: number;
  /** Memtable size that triggers a flush (default 4 MiB). */
  memtableBytes?: number;
  /** Frozen memtables allowed before writers stall (default 2). */
  frozenMemtablesMax?: number;
  /** Longest wait of a stalled write before `write-stall-timeout` (default 30 s). */
  writeStallTimeoutMs?: number;
  /** Longest key accepted (default 1 KiB, at most 4 KiB). */
  keyBytesMax?: number;
  /** Largest value accepted (default 1 MiB). */
  valueBytesMax?: number;
  /** Block cache capacity in bytes (default 8 MiB). */
  blockCacheBytes?: number;
  /** Open table files kept (default 500). */
  openTablesMax?: number;
  /** Data block size of new tables (default 4 KiB). */
  blockSizeBytes?: number;
  /** Restart interval inside data blocks (default 16). */
  restartInterval?: number;
  /** Bloom filter bits per key (default 10, ≈1% false positives). */
  bloomBitsPerKey?: number;
  /** Block compression (default 'lz4'). */
  compression?: 'lz4' | 'none';
  /** Levels of the LSM tree (default 7). */
  levels?: number;
  /** L0 tables that trigger an L0→L1 compaction (default 4). */
  l0CompactionTrigger?: number;
  /** L0 tables at which writes stall until compaction catches up (default 12; only with `autoCompaction`). */
  l0StopWritesTrigger?: number;
  /**
   * L0 tables at which each write is first delayed by 1 ms on the engine's
   * clock, giving flush and compaction the thread (default 8, or
   * `l0StopWritesTrigger` if that is lower; only with `autoCompaction`).
   * Set it equal to `l0StopWritesTrigger` to disable the slowdown.
   */
  l0SlowdownWritesTrigger?: number;
  levelSizeBaseBytes?: number;
  levelSizeMultiplier?: number;
  targetFileSizeBytes?: number;
  /**
   * A tombstone may be dropped by compaction only once it is older than this
   * (default 0: as soon as no snapshot or deeper level needs it). A replicated
   * store sets it above its anti-entropy period so a deleted key cannot be
   * resurrected by a replica that missed the delete.
   */
  tombstoneGraceMs?: number;
  /** Run compactions in the background after flushes (default true). */
  autoCompaction?: boolean;
  /** Log damage beyond a torn tail: refuse to open (`'strict'`, default) or skip and report (`'salvage'`). */
  walRecovery?: WalRecovery;
  /**
   * Build flush tables and run compactions in a worker thread
   * (`node:worker_threads`), so that work does not hold the event loop
   * serving reads and writes. Default: on with the real disk (`NodeVfs`,
   * also the default `vfs`), off with any other `Vfs` (MemVfs, FaultVfs: a
   * worker cannot share them); `true` with another `Vfs` is
   * `invalid-argument`. Tables, manifest installs, durability and errors are
   * the same either way.
   */
  tableWorker?: boolean;
}

export type ResolvedOptions = Required<EngineOptions>;

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LsmError('invalid-argument', `option ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** 8 (LevelDB's), kept within [l0CompactionTrigger, l0StopWritesTrigger] so a custom trigger pair stays valid. */
function defaultSlowdown(o: EngineOptions): number {
  const stop = o.l0StopWritesTrigger ?? L.L0_STOP_WRITES_TRIGGER_DEFAULT;
  const compact = o.l0CompactionTrigger ?? L.L0_COMPACTION_TRIGGER_DEFAULT;
  return Math.min(stop, Math.max(compact, L.L0_SLOWDOWN_WRITES_TRIGGER_DEFAULT));
}

/** Fills in defaults and rejects out-of-range options with `invalid-argument`. */
export function resolveOptions(o: EngineOptions = {}): ResolvedOptions {
  const vfs = o.vfs ?? new NodeVfs();
  const realDisk = vfs instanceof NodeVfs;
  if (o.tableWorker === true && !realDisk) {
    throw new LsmError('invalid-argument', 'option tableWorker needs the real disk (NodeVfs): a worker thread cannot share another Vfs');
  }
  const r: ResolvedOptions = {
    vfs,
    tableWorker: o.tableWorker ?? realDisk,
    clock: o.clock ?? systemClock,
    durability: o.durability ?? 'sync',
    syncIntervalMs: o.syncIntervalMs ?? L.SYNC_INTERVAL_MS_DEFAULT,
    memtableBytes: o.memtableBytes ?? L.MEMTABLE_BYTES_DEFAULT,
    frozenMemtablesMax: o.frozenMemtablesMax ?? L.FROZEN_MEMTABLES_MAX_DEFAULT,
    writeStallTimeoutMs: o.writeStallTimeoutMs ?? L.WRITE_STALL_TIMEOUT_MS_DEFAULT,
    keyBytesMax: o.keyBytesMax ?? L.KEY_BYTES_MAX,
    valueBytesMax: o.valueBytesMax ?? L.VALUE_BYTES_MAX_DEFAULT,
    blockCacheBytes: o.blockCacheBytes ?? L.BLOCK_CACHE_BYTES_DEFAULT,
    openTablesMax: o.openTablesMax ?? L.OPEN_TABLES_MAX_DEFAULT,
    blockSizeBytes: o.blockSizeBytes ?? DEFAULT_BLOCK_SIZE_BYTES,
    restartInterval: o.restartInterval ?? DEFAULT_RESTART_INTERVAL,
    bloomBitsPerKey: o.bloomBitsPerKey ?? DEFAULT_BLOOM_BITS_PER_KEY,
    compression: o.compression ?? 'lz4',
    levels: o.levels ?? L.LEVELS_DEFAULT,
    l0CompactionTrigger: o.l0CompactionTrigger ?? L.L0_COMPACTION_TRIGGER_DEFAULT,
    l0StopWritesTrigger: o.l0StopWritesTrigger ?? L.L0_STOP_WRITES_TRIGGER_DEFAULT,
    l0SlowdownWritesTrigger: o.l0SlowdownWritesTrigger ?? defaultSlowdown(o),
    levelSizeBaseBytes: o.levelSizeBaseBytes ?? L.LEVEL_SIZE_BASE_BYTES_DEFAULT,
    levelSizeMultiplier: o.levelSizeMultiplier ?? L.LEVEL_SIZE_MULTIPLIER_DEFAULT,
    targetFileSizeBytes: o.targetFileSizeBytes ?? L.TARGET_FILE_SIZE_BYTES_DEFAULT,
    tombstoneGraceMs: o.tombstoneGraceMs ?? 0,
    autoCompaction: o.autoCompaction ?? true,
    walRecovery: o.walRecovery ?? 'strict',
  };
  if (r.walRecovery !== 'strict' && r.walRecovery !== 'salvage') {
    throw new LsmError('invalid-argument', `option walRecovery must be 'strict' or 'salvage'`);
  }
  if (!['sync', 'interval', 'none'].includes(r.durability)) {
    throw new LsmError('invalid-argument', `option durability must be 'sync', 'interval' or 'none'`);
  }
  if (r.compression !== 'lz4' && r.compression !== 'none') {
    throw new LsmError('invalid-argument', `option compression must be 'lz4' or 'none'`);
  }
  checkRange('syncIntervalMs', r.syncIntervalMs, 1, L.SYNC_INTERVAL_MS_MAX);
  checkRange('memtableBytes', r.memtableBytes, L.MEMTABLE_BYTES_MIN, L.MEMTABLE_BYTES_MAX);
  checkRange('frozenMemtablesMax', r.frozenMemtablesMax, 1, L.FROZEN_MEMTABLES_MAX_LIMIT);
  checkRange('writeStallTimeoutMs', r.writeStallTimeoutMs, 1, 24 * 3600 * 1000);
  checkRange('keyBytesMax', r.keyBytesMax, 1, L.KEY_BYTES_MAX_LIMIT);
  checkRange('valueBytesMax', r.valueBytesMax, 0, L.VALUE_BYTES_MAX_LIMIT);
  checkRange('blockCacheBytes', r.blockCacheBytes, 0, L.BLOCK_CACHE_BYTES_MAX);
  checkRange('openTablesMax', r.openTablesMax, 8, L.OPEN_TABLES_MAX_LIMIT);
  checkRange('blockSizeBytes', r.blockSizeBytes, 256, 4 * 1024 * 1024);
  checkRange('restartInterval', r.restartInterval, 1, 1024);
  checkRange('bloomBitsPerKey', r.bloomBitsPerKey, 0, 64);
  checkRange('levels', r.levels, 2, L.LEVELS_MAX);
  checkRange('l0CompactionTrigger', r.l0CompactionTrigger, 1, 1000);
  checkRange('l0StopWritesTrigger', r.l0StopWritesTrigger, r.l0CompactionTrigger + 1, 10_000);
  checkRange('l0SlowdownWritesTrigger', r.l0SlowdownWritesTrigger, r.l0CompactionTrigger, r.l0StopWritesTrigger);
  checkRange('levelSizeBaseBytes', r.levelSizeBaseBytes, 64 * 1024, Number.MAX_SAFE_INTEGER);
  checkRange('levelSizeMultiplier', r.levelSizeMultiplier, 2, 1000);
  checkRange('targetFileSizeBytes', r.targetFileSizeBytes, 16 * 1024, 1024 * 1024 * 1024);
  checkRange('tombstoneGraceMs', r.tombstoneGraceMs, 0, Number.MAX_SAFE_INTEGER);
  return r;
}
