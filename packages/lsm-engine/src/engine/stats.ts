/** The shape of `Engine.stats()` and how its derived figures are computed. */
import type { Version } from './version.js';

/** A point-in-time report of the engine's shape and work (see README, "Stats"). */
export interface EngineStats {
  /** Tables and bytes per level (L0 first). */
  levels: { level: number; tables: number; bytes: number }[];
  memtableBytes: number;
  frozenMemtables: number;
  lastSeq: number;
  /** Key and value bytes of every put and delete accepted since open. */
  userBytesWritten: number;
  /** Bytes written to disk since open, by cause. */
  diskBytesWritten: { wal: number; flush: number; compaction: number; manifest: number };
  /** Disk bytes written / user bytes written (0 before any write). */
  writeAmplification: number;
  /** Sorted runs a point read may probe: memtables + L0 tables + non-empty deeper levels. */
  readAmplification: number;
  /** Total table bytes / estimated live bytes (the deepest non-empty level, where most live data ends up); 1 when empty. */
  spaceAmplification: number;
  blockCache: { hits: number; misses: number; hitRate: number; bytes: number; capacityBytes: number };
  openTables: number;
  /** Writes that had to wait for a flush, and the total time they waited. */
  stalls: { count: number; totalMs: number };
  /** Writes delayed once at `l0SlowdownWritesTrigger` (each by 1 ms on the engine's clock). */
  slowdowns: number;
  walSyncs: number;
  flushes: number;
  compactions: number;
  compactionBytesRead: number;
  droppedEntries: number;
  droppedTombstones: number;
  liveSnapshots: number;
  /**
   * Whether writes are accepted (false on a full disk, while retried, or after
   * a fatal error), and the state of a full disk: what it blocks, why, retries
   * run and writes refused since open.
   */
  space: { writable: boolean; writesBlocked: boolean; compactionBlocked: boolean; reason: string | undefined; retries: number; refusedWrites: number };
  /** What the last open found in the log. */
  recovery: { replayedRecords: number; droppedTailBytes: number; corruption: RecoveryLoss };
}

/**
 * Log records lost to damage a torn tail cannot explain (only with
 * `walRecovery: 'salvage'`; `strict` refuses to open instead). All zero when
 * nothing was lost.
 */
export interface RecoveryLoss {
  /** Damaged regions skipped; each held at least one record. */
  regions: number;
  /** Bytes skipped, plus bytes missing below a segment's synced-size mark. */
  droppedBytes: number;
  /**
   * Writes (sequence numbers) lost: exact for a region followed by a valid
   * record (the gap in sequence numbers), and only a lower bound (counting
   * each such region as one) when a region reaches the end of the newest
   * segment; `droppedOpsExact` says which.
   */
  droppedOps: number;
  droppedOpsExact: boolean;
  /** The first RECOVERY_LOSS_REGIONS_MAX regions: file, offset, bytes and why. */
  details: { file: string; offset: number; bytes: number; reason: string }[];
}

export function noLoss(): RecoveryLoss {
  return { regions: 0, droppedBytes: 0, droppedOps: 0, droppedOpsExact: true, details: [] };
}

/** The mutable counters behind `EngineStats`. */
export interface Counters {
  userBytes: number;
  walBytes: number;
  flushBytes: number;
  compactionBytes: number;
  manifestBytes: number;
  stalls: number;
  stallMs: number;
  slowdowns: number;
  flushes: number;
  compactions: number;
  compactionBytesRead: number;
  droppedEntries: number;
  droppedTombstones: number;
  replayedRecords: number;
  droppedTailBytes: number;
}

export function newCounters(): Counters {
  return {
    userBytes: 0, walBytes: 0, flushBytes: 0, compactionBytes: 0, manifestBytes: 0, stalls: 0, stallMs: 0, slowdowns: 0,
    flushes: 0, compactions: 0, compactionBytesRead: 0, droppedEntries: 0, droppedTombstones: 0,
    replayedRecords: 0, droppedTailBytes: 0,
  };
}

/** Read and space amplification of a version (see the field docs of `EngineStats`). */
export function shapeOf(version: Version, memtables: number): { readAmp: number; spaceAmp: number } {
  const bytes = version.levelBytes();
  let readAmp = memtables + (version.levels[0]?.length ?? 0);
  for (let l = 1; l < bytes.length; l++) if ((bytes[l] as number) > 0) readAmp++;
  const total = bytes.reduce((a, b) => a + b, 0);
  let deepest = 0;
  for (let l = bytes.length - 1; l >= 0; l--) {
    if ((bytes[l] as number) > 0) {
      deepest = bytes[l] as number;
      break;
    }
  }
  return { readAmp, spaceAmp: deepest > 0 ? total / deepest : 1 };
}
