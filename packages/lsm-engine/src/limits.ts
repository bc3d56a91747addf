/**
 * Every bound of the engine, with its default and the reason for it. Options
 * that override a default are checked against the `*Max`/`*Min` bounds here
 * and rejected with `invalid-argument`.
 */

/** Default longest key. Keys are copied into every index block and the manifest; 1 KiB keeps those small. */
export const KEY_BYTES_MAX = 1024;

/**
 * Upper bound for the `keyBytesMax` option. A store that prefixes its users' 1 KiB keys
 * (ringkv's node adds a ring position and a namespace byte) needs a little more; 4 KiB
 * still keeps index blocks and the manifest small.
 */
export const KEY_BYTES_MAX_LIMIT = 4096;

/** Default longest value. A value is held whole in memory by the memtable and a block; 1 MiB keeps one write from dominating either. */
export const VALUE_BYTES_MAX_DEFAULT = 1024 * 1024;

/** Upper bound for the `valueBytesMax` option: a log record fragment count and block sizes stay sane below it. */
export const VALUE_BYTES_MAX_LIMIT = 64 * 1024 * 1024;

/** Most ops in one batch. A batch is one log record and is replayed whole, so it is bounded like a value. */
export const BATCH_OPS_MAX = 100_000;

/** Largest encoded batch (keys + values). One record is assembled in memory and fsynced as a unit. */
export const BATCH_BYTES_MAX = 128 * 1024 * 1024;

/** Default memtable size before it is frozen and flushed. 4 MiB (LevelDB's default) makes L0 tables of about that size. */
export const MEMTABLE_BYTES_DEFAULT = 4 * 1024 * 1024;

/** Bounds for the `memtableBytes` option: below 64 KiB flushes dominate; above 1 GiB recovery replays too much. */
export const MEMTABLE_BYTES_MIN = 64 * 1024;
export const MEMTABLE_BYTES_MAX = 1024 * 1024 * 1024;

/**
 * Frozen memtables waiting for flush before writers stall. Two lets one flush
 * run while another memtable fills; more only hides a disk that cannot keep up
 * while memory grows.
 */
export const FROZEN_MEMTABLES_MAX_DEFAULT = 2;
export const FROZEN_MEMTABLES_MAX_LIMIT = 16;

/** How long a write may wait for room in the memtables before failing with `write-stall-timeout`. */
export const WRITE_STALL_TIMEOUT_MS_DEFAULT = 30_000;

/** Default for `interval` durability: fsync at least this often (RocksDB-like bounded loss window). */
export const SYNC_INTERVAL_MS_DEFAULT = 100;
export const SYNC_INTERVAL_MS_MAX = 60_000;

/** Default block cache capacity; reads of hot blocks skip the disk and lz4. */
export const BLOCK_CACHE_BYTES_DEFAULT = 8 * 1024 * 1024;
export const BLOCK_CACHE_BYTES_MAX = 64 * 1024 * 1024 * 1024;

/** Default bound on open table files (file descriptors plus each table's index and filter in memory). */
export const OPEN_TABLES_MAX_DEFAULT = 500;
export const OPEN_TABLES_MAX_LIMIT = 100_000;

/** Number of levels (L0…L6), LevelDB's; with a 10× multiplier that is terabytes. */
export const LEVELS_DEFAULT = 7;
export const LEVELS_MAX = 12;

/** L0 tables that trigger an L0→L1 compaction; each L0 table is one more probe per read. */
export const L0_COMPACTION_TRIGGER_DEFAULT = 4;

/**
 * L0 tables at which writes stall until compaction catches up (LevelDB's
 * kL0_StopWritesTrigger). Every L0 table is probed by every read, so letting
 * L0 grow without bound would trade a write stall for ever slower reads.
 */
export const L0_STOP_WRITES_TRIGGER_DEFAULT = 12;

/**
 * L0 tables at which every write is delayed once by `L0_SLOWDOWN_DELAY_MS`
 * (LevelDB's kL0_SlowdownWritesTrigger). The delay hands the one JavaScript
 * thread to flush and compaction, so a fill cannot build the L0 backlog that
 * every later read pays for, and writers slow down smoothly instead of
 * hitting the stop trigger's full stall.
 */
export const L0_SLOWDOWN_WRITES_TRIGGER_DEFAULT = 8;

/** How long one write waits at the slowdown trigger (LevelDB's 1 ms sleep): long enough for a compaction step to run. */
export const L0_SLOWDOWN_DELAY_MS = 1;

/**
 * While a flush or compaction is pending, one awaited `get` in this many
 * yields to the event loop so background work (which waits on timers) gets a
 * slice. 256 reads take a few milliseconds, so reads keep most of the thread
 * while the L0 backlog, which every read probes, still drains.
 */
export const READS_PER_BACKGROUND_YIELD = 256;

/** Target size of L1; each deeper level is `levelSizeMultiplier` times larger. */
export const LEVEL_SIZE_BASE_BYTES_DEFAULT = 16 * 1024 * 1024;
export const LEVEL_SIZE_MULTIPLIER_DEFAULT = 10;

/** Size at which a compaction cuts an output table. */
export const TARGET_FILE_SIZE_BYTES_DEFAULT = 4 * 1024 * 1024;

/** Seq→time checkpoints kept for the tombstone grace period; older ones are thinned out. */
export const CHECKPOINTS_MAX = 64;

/** Live snapshots at once. Each pins memtables and tables (disk space) until released. */
export const SNAPSHOTS_MAX = 10_000;

/**
 * A log segment's synced-size mark (wal/sync-mark.ts) is advanced, in the
 * background, once this many bytes have been fsynced since the last mark: at
 * most one extra fsync per this many log bytes, and after a crash a
 * truncation or damage of synced data below the last mark is told from a torn
 * tail (above it, up to this much, they look alike).
 */
export const LOG_SYNC_MARK_BYTES = 64 * 1024;

/** Loss regions of a recovery listed one by one in `stats().recovery.corruption.regions`; the totals count all. */
export const RECOVERY_LOSS_REGIONS_MAX = 16;

/**
 * First wait before the engine retries after a full disk (ENOSPC); each retry
 * that still finds the disk full doubles it. Short enough that writes resume
 * within a fraction of a second of an operator freeing space.
 */
export const NO_SPACE_RETRY_FIRST_MS = 100;

/**
 * Longest wait between retries on a full disk. A retry costs one probe write
 * (and a flush or compaction attempt), so a disk that stays full is probed at
 * most this often, and recovery after space returns takes at most this long.
 */
export const NO_SPACE_RETRY_MAX_MS = 5_000;

/**
 * Bytes a retry writes (and fsyncs, then removes) to learn whether writes can
 * resume: one largest default value with its log framing, so a write that
 * follows a successful probe is not refused again at once.
 */
export const SPACE_PROBE_BYTES = 1024 * 1024 + 64 * 1024;

/**
 * A flush through the table worker hands the memtable's entries over in
 * chunks of about this many bytes: each is one copy on the engine's thread
 * (a millisecond or so) between turns of its event loop.
 */
export const TABLE_WORKER_CHUNK_BYTES = 1024 * 1024;

/**
 * Chunks of one flush sent to the table worker and not yet added to its
 * table: bounds the copy of a memtable in transit to about 4 MiB.
 */
export const TABLE_WORKER_CHUNKS_IN_FLIGHT_MAX = 4;

/**
 * Input tables the table worker keeps open during one compaction. A
 * compaction's inputs are held open by their iterators whatever this is; it
 * only bounds the LRU, which the worker does not otherwise use.
 */
export const TABLE_WORKER_OPEN_TABLES_MAX = 64;
