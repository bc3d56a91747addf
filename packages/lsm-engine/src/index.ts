// @ringkv/lsm-engine: A crash-safe log-structured merge storage engine: commit log, memtable, SSTables, bloom filters, compaction
export { openEngine, Engine } from './engine.js';
export type { Snapshot, IterateOptions, EntryIterable } from './engine.js';
export type { EngineOptions, WriteOptions, Durability, WalRecovery } from './engine/options.js';
export type { BatchOperation } from './engine/validate.js';
export type { EngineStats, RecoveryLoss } from './engine/stats.js';
export type { CheckpointInfo } from './engine/checkpoint.js';
export { LsmError, isLsmError } from './errors.js';
export type { LsmErrorCode } from './errors.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export type { Vfs, VfsReadFile, VfsAppendFile, VfsLock } from './vfs/vfs.js';
export { NodeVfs } from './vfs/node-vfs.js';
export { MemVfs } from './vfs/mem-vfs.js';
export { FaultVfs, TEAR_BYTES_MAX } from './vfs/fault-vfs.js';
export type { CrashMode, RandomSource } from './vfs/fault-vfs.js';
export {
  KEY_BYTES_MAX,
  KEY_BYTES_MAX_LIMIT,
  VALUE_BYTES_MAX_DEFAULT,
  BATCH_OPS_MAX,
  BATCH_BYTES_MAX,
  MEMTABLE_BYTES_DEFAULT,
  FROZEN_MEMTABLES_MAX_DEFAULT,
  WRITE_STALL_TIMEOUT_MS_DEFAULT,
  SYNC_INTERVAL_MS_DEFAULT,
  BLOCK_CACHE_BYTES_DEFAULT,
  OPEN_TABLES_MAX_DEFAULT,
} from './limits.js';
