/**
 * Types of contract B (compaction), shared by the picker, the job and the
 * engine that drives them.
 */
import type { TableBuildOptions, TableMeta } from '../sstable/types.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { Vfs } from '../vfs/vfs.js';

/** levels[0] = L0 tables, newest first (may overlap); levels[i>0] sorted by smallestKey, non-overlapping. */
export type LevelTables = readonly (readonly TableMeta[])[];

/** The shape of the level tree (LevelDB/RocksDB leveled compaction). */
export interface CompactionOptions {
  /** L0 is compacted into L1 once it holds this many tables. */
  l0CompactionTrigger: number;
  /** Target total size of L1. */
  levelSizeBaseBytes: number;
  /** Each level below L1 targets this many times the size of the level above (10). */
  levelSizeMultiplier: number;
  /** Compaction outputs are cut at about this size. */
  targetFileSizeBytes: number;
  /** Number of levels, L0 included; the last one is never a compaction input by score. */
  levelsMax: number;
}

/** One compaction to run: `inputs` from `level` merged with `overlapping` from `outputLevel`. */
export interface CompactionPlan {
  level: number;
  outputLevel: number;
  inputs: TableMeta[];
  /** Tables of `outputLevel` whose key range overlaps the inputs'. */
  overlapping: TableMeta[];
  /** Human-readable cause, for logs and stats. */
  reason: string;
  /** The score that triggered it (>= 1), or 0 for a manual compaction. */
  score: number;
  /**
   * Additive to contract B. Tables of `outputLevel + 1` overlapping the
   * compaction's range; `runCompaction` cuts an output early once it would
   * overlap more than GRANDPARENT_OVERLAP_FACTOR target files of them, so a
   * later compaction of that output stays small. Optional.
   */
  grandparents?: TableMeta[];
  /**
   * Additive to contract B. True when the single input overlaps nothing in
   * `outputLevel` and few grandparents: the engine may move the table by a
   * manifest edit alone instead of calling `runCompaction` (which would also
   * be correct, just slower).
   */
  trivialMove?: boolean;
}

/** What `runCompaction` needs from the engine. */
export interface CompactionContext {
  tableCache: TableCache;
  vfs: Vfs;
  pathOf(fileNumber: number): string;
  /** A fresh file number for the next output; the table worker asks the engine for it, so it may be a promise. */
  newFileNumber(): number | Promise<number>;
  buildOptions: TableBuildOptions;
  targetFileSizeBytes: number;
  /** Versions shadowed by a newer version with seq <= this are dropped. */
  smallestSnapshotSeq: number;
  /** Tombstones with seq <= this may be dropped, and only when `isBaseLevelForKey(key)`. */
  tombstoneDropMaxSeq: number;
  /** True when no level below the output level can hold `key` (provided by the engine from the current version). */
  isBaseLevelForKey(key: Uint8Array): boolean;
  /**
   * Additive to contract B, optional: awaited every few thousand entries so a
   * long compaction lets reads and writes run (the engine passes a
   * `setImmediate` from its clock; src/ may not call timers itself).
   */
  yieldToEventLoop?: () => Promise<void>;
}

/** What a finished compaction produced; installing `outputs` in the manifest is the engine's job. */
export interface CompactionResult {
  outputs: TableMeta[];
  /** Entries not copied to any output (shadowed versions and dropped tombstones). */
  droppedEntries: number;
  /** The tombstones among `droppedEntries`. */
  droppedTombstones: number;
  bytesRead: number;
  bytesWritten: number;
}
