/**
 * Every bound of @ringkv/vclock, in one place so encoder, decoder and tests
 * agree. Units are last in the names.
 */

/**
 * Longest actor id, in UTF-8 bytes. Actors are node ids; 255 bytes holds any
 * sensible host name or UUID and keeps the length prefix to one or two varint
 * bytes, so a 3-entry clock stays well under 100 bytes.
 */
export const actorBytesMax = 255;

/**
 * Most entries a clock may hold when built or decoded. A clock has one entry
 * per node that ever coordinated a write, so 1024 is far above any cluster
 * ringkv targets, while it caps what a hostile 1-byte-per-entry input can make
 * the decoder allocate.
 */
export const clockEntriesMax = 1024;

/**
 * Largest counter or timestamp: the largest integer a JavaScript number holds
 * exactly. At a million writes a second a counter would take 285 years to get
 * there, so reaching it is treated as a bug.
 */
export const counterMax = Number.MAX_SAFE_INTEGER;

/**
 * Default bound on the live siblings of one key after an `update`. Siblings
 * pile up only when clients write without the context they read (or never
 * resolve); past 64 every read ships 64 values, so the write is refused with
 * `too-many-siblings` instead (Riak's `max_siblings` does the same, at 100).
 * A write whose context covers the siblings always succeeds. `sync` never
 * refuses: it only keeps writes some replica already accepted.
 */
export const siblingsMax = 64;

/** Riak's `small_vclock`: a clock with at most this many entries is never pruned. */
export const smallVclock = 50;

/** Riak's `big_vclock`: past this many entries, the oldest (non-young) ones are pruned regardless of age. */
export const bigVclock = 50;

/**
 * Riak's `young_vclock` (20 s): an entry modified less than this long ago is
 * never pruned, so a write still in flight between replicas keeps its entry.
 */
export const youngVclockMs = 20_000;

/**
 * Riak's `old_vclock` (1 day): an entry older than this may be pruned once the
 * clock exceeds `smallVclock`, on the bet that every replica has seen it.
 */
export const oldVclockMs = 86_400_000;

/**
 * Most siblings `checkDvvSet` accepts in plain data from disk or a peer. A
 * coordinator's own writes that are still live are all in its own set, which
 * `update` keeps within `siblingsMax`, so a synced set holds at most
 * (coordinators × siblingsMax) siblings: 4096 allows 64 coordinators at the
 * default while bounding the work a hostile or corrupted input can cause.
 */
export const parsedSiblingsMax = 4096;
