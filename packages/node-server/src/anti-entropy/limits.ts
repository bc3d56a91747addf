/**
 * The bounds of anti-entropy (kept beside the module rather than in the
 * package's limits.ts, which the request-path work edits at the same time).
 */

/**
 * Buckets per tree: 2^16. A differing bucket costs one (key, digest) pair per
 * key it holds, so buckets must hold few keys for the repair to move little
 * more than the diverged data: at 100k keys per replica set, 2^16 buckets
 * moved 0.9× the diverged bytes where 2^10 moved 5.6× (README,
 * "Anti-entropy"). Cost: ~2.8 MiB of memory per tree (one per replica set
 * this node belongs to).
 */
export const aeBucketsLog2Default = 16;

/** Smallest `antiEntropyBucketsLog2`: below 2^8 buckets every differing bucket moves the digests of a large share of the keys. */
export const aeBucketsLog2Min = 8;

/** Largest `antiEntropyBucketsLog2`: 2^20 buckets is @ringkv/merkle's bound and ~45 MiB of memory per tree. */
export const aeBucketsLog2Max = 20;

/** Levels descended per round trip: 2 halves the round trips of a 2^10 tree (6 instead of 11) for at most 4× the hashes of a differing node. */
export const aeStrideLevels = 2;

/** Target bytes of one `range-sets`/`sync-sets` chunk: far under the 16 MiB frame, big enough that a chunk's round trip is not the bottleneck. */
export const aeChunkBytesTarget = 512 * 1024;

/** Chunks at or above this many bytes are lz4-compressed; below, the frame overhead dominates and compression does not pay. */
export const aeCompressBytesMin = 4 * 1024;

/** Default repair bandwidth, bytes per second sent and received together: bounded so repair leaves foreground traffic the network and disk. */
export const aeBytesPerSecondDefault = 32 * 1024 * 1024;

/** Smallest `antiEntropyBytesPerSec`: below 64 KiB/s one 512 KiB chunk waits 8 s for tokens and a pass never finishes. */
export const aeBytesPerSecondMin = 64 * 1024;

/** Largest `antiEntropyBytesPerSec`: 10 GiB/s, beyond any link; the token bucket's arithmetic stays exact in a double. */
export const aeBytesPerSecondMax = 10 * 1024 ** 3;

/** Default interval between periodic passes (jittered ±25 %): repair is a backstop behind hints and read repair, not a hot path. */
export const aeIntervalMsDefault = 10 * 60_000;

/** Largest `antiEntropyIntervalMs`: 7 days; a longer one lets tombstones outlive their grace period unconfirmed. Also well under the 2^31 ms a timer holds. */
export const aeIntervalMsMax = 7 * 24 * 3_600_000;

/** Timeout of one exchange call: a peer that does not answer a tree or chunk request in this time is skipped until the next pass. */
export const aeCallTimeoutMs = 30_000;

/**
 * Largest uncompressed chunk accepted from a peer: refuses a decompression
 * bomb before allocating. An honest chunk is at most a chunk target (1 MiB
 * for a stream) plus one stored set, and a set is below the frame limit
 * (about 32 MiB at the largest `valueBytesMax`), so 64 MiB never refuses an
 * honest chunk. It is not what bounds the work on the event loop: that is
 * `lz4ExpansionMax` times the bytes the peer sent, which the frame limit
 * bounds (README, "Security").
 */
export const aeChunkBytesMax = 64 * 1024 * 1024;

/**
 * Most bytes one byte of an lz4 block can expand to: 255, the format's limit
 * (a match is extended by one length byte per 255 bytes; 64 MiB of zeros
 * compresses to 263,183 bytes, 254.99 : 1). A body that claims more is
 * refused before anything is allocated, so a peer must send at least
 * 1/255 of what it makes this node decompress.
 */
export const lz4ExpansionMax = 255;

/** Keys the start-up tree build scans per event-loop turn: ~15 ms of reading and hashing (7 µs a key measured, README), so a request waits about that long behind the build; a new seek per chunk costs little at this size. */
export const aeBuildChunkKeysDefault = 2_000;

/**
 * Default `tombstoneGraceMs`: 10 days, as Cassandra's `gc_grace_seconds`. A
 * tombstone must outlive every way its deleted value could come back: hints
 * (at most `hintTtlMs`, 3 h by default, enforced: grace ≥ hint TTL), and a
 * replica that was down or partitioned during the delete, which anti-entropy
 * reaches only once it is back. Ten days leaves a long weekend's outage plus
 * a week of slack before a tombstone even becomes a candidate, and the
 * replica rule (every replica completed an exchange since) still holds it
 * after that for as long as a replica stays away.
 */
export const tombstoneGraceMsDefault = 10 * 24 * 3_600_000;

/** Largest `tombstoneGraceMs`: one year; beyond it tombstones are effectively kept, which `antiEntropyIntervalMs` bounds can no longer explain. */
export const tombstoneGraceMsMax = 365 * 24 * 3_600_000;

/**
 * Index records a tombstone sweep judges per event-loop turn. Judging is an
 * index read, a data read and a ring lookup (~15–20 µs measured), but a
 * chunk of collectable keys is also that many removals through the write
 * queue (~70–110 µs each with the tree hook): 1,000 per turn stalled the
 * event loop up to 181 ms, 256 up to ~40 ms (README, "Tombstone collection").
 */
export const tombstoneSweepChunkKeys = 256;

/** Shortest interval between periodic tombstone sweeps (a sweep also follows every anti-entropy pass). */
export const tombstoneSweepIntervalMsMin = 1_000;

/** Longest interval between periodic sweeps: a tombstone is removed at most an hour after it became collectable by time alone. */
export const tombstoneSweepIntervalMsMax = 3_600_000;

/** Sweep interval for a grace period: a tenth of it, within the bounds above. */
export function tombstoneSweepIntervalMs(graceMs: number): number {
  return Math.min(tombstoneSweepIntervalMsMax, Math.max(tombstoneSweepIntervalMsMin, Math.floor(graceMs / 10)));
}

/**
 * Keys an exchange merges or writes per event-loop turn, on either side: the
 * driver's pulls and the server's `sync-sets` go to the store in windows of
 * this many, each awaited before the next, and the driver's scan and merge
 * loops yield a timer turn between windows. Without it a pass queued its
 * whole chunk (thousands of writes) ahead of client writes in the store's
 * one write queue and merged it in one turn: foreground p99 rose 7–9× during
 * a pass (README, "Foreground latency during a pass").
 */
export const aeKeysPerTurn = 64;

/**
 * Keys in one chunk at most (besides `aeChunkBytesTarget`): a `range-sets`
 * reply, a `key-sets` request and a `sync-sets` push. Each side handles a
 * chunk in one turn (scan and hash, or decode and validate), and a digest
 * chunk of 512 KiB is ~13,000 keys.
 */
export const aeServeKeysPerCall = 512;

/**
 * Differing buckets named in one `range-sets` request: the peer opens one
 * engine iterator (a seek through memtables and tables) per bucket in one
 * turn; 2,000 buckets in one request stalled the peer ~100 ms.
 */
export const aeBucketsPerCall = 64;

/**
 * Largest share of wall time an exchange is busy (its own work and, during
 * its calls, the peer's): it rests as long as it worked between windows. A
 * pass is CPU-bound long before it reaches `aeBytesPerSecondDefault`, so
 * without this the bytes budget left requests a quarter of the thread
 * (README, "Foreground latency during a pass").
 */
export const aeBusyShareMax = 0.5;

/** Longest single rest of the pacing above: a slow peer call does not park the exchange for long. */
export const aePaceRestMsMax = 1_000;
