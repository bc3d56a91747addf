/**
 * Bounds of key listing (`scan`, issue 18). Each has its reason; the
 * README's limits table repeats them.
 */

/**
 * Bytes per second (user keys plus stored sets read from the engine) a node
 * serves to all scans together by default: a full pass reads every stored
 * set, so a scan is paced like the other background walks (streaming
 * 16 MiB/s, anti-entropy 32 MiB/s), lower because a client can start it.
 */
export const scanBytesPerSecDefault = 8 * 1024 * 1024;

/** Smallest `scanBytesPerSec`: below a few sets per second a page of 100 keys would outlast its deadline. */
export const scanBytesPerSecMin = 64 * 1024;

/** Largest `scanBytesPerSec`: beyond any disk; the token bucket stays exact in a double. */
export const scanBytesPerSecMax = 10 * 1024 ** 3;

/**
 * Keys one `scan-range` call examines on this node, and the most a
 * coordinator asks one replica for per round: decoding, stripping and
 * encoding 256 sets takes a few ms even on a loaded machine, so a scan
 * holds a node's event loop only that long at a time (4,096, the protocol's
 * bound, held it for up to a few hundred ms under load and doubled a
 * concurrent load's p99).
 */
export const scanChunkKeysMax = 256;

/**
 * After each chunk it reads (replica) or merges (coordinator), a scan waits
 * this many times as long as the chunk's synchronous work took: with 1, one
 * scan uses at most half of a node's event loop, like an anti-entropy pass.
 */
export const scanPauseFactor = 1;

/** Bytes of stripped sets one `scan-range` reply carries at most: well inside a 4 MiB frame. */
export const scanReplyBytesMax = 1024 * 1024;

/**
 * Replica rounds one page may take (each asks every replica of one ring
 * range for one chunk): bounds a page's work when most keys are dead or
 * filtered out by the prefix; the page then ends early, with a cursor.
 */
export const scanRoundsPerPageMax = 64;

/** Part of a page's deadline its rounds may use before the page ends early (with a cursor): the rest is room for the reply. */
export const scanDeadlineShare = 0.5;
