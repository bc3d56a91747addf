/**
 * Every bound of @ringkv/quorum, units last. Each says why it is what it is.
 */

/** Largest N a request may ask for: hashring's `replicasMax`; N is 3–5 in practice and fan-out is O(N). */
export const nMax = 16;

/** Cluster default N (docs/architecture.md, "Goal and guarantees"): three copies, so one node may fail with R = W = 2 still overlapping. */
export const nDefault = 3;
/** Cluster default R: with W=2 and N=3, R+W>N. */
export const rDefault = 2;
/** Cluster default W. */
export const wDefault = 2;

/** Default request deadline: far above a healthy round trip, short enough that a client retries while it still matters. */
export const requestTimeoutMsDefault = 5_000;
/** Longest deadline a request may ask for: a minute keeps pending state bounded even under a client that asks for "forever". */
export const requestTimeoutMsMax = 60_000;

/** Read repairs sent at once per coordinator: repair is background work and must not crowd out client requests. */
export const readRepairsInFlightMax = 64;
/** Read repairs waiting for a slot; past it new ones are dropped and counted (anti-entropy catches up later). */
export const readRepairQueueMax = 1_024;

/** Default hint lifetime (3 h, Cassandra's `max_hint_window`): past it anti-entropy is the cheaper repair. */
export const hintTtlMsDefault = 3 * 60 * 60 * 1000;
/** Longest hint lifetime accepted: a week; hints older than that mostly replay data anti-entropy already fixed. */
export const hintTtlMsMax = 7 * 24 * 60 * 60 * 1000;
/** Hints read from the store per batch: bounds the memory a replay holds. */
export const hintBatchCountMax = 100;
/** Estimated bytes of hints per batch (at least one hint is always taken): bounds memory with large values. */
export const hintBatchBytesMax = 1024 * 1024;
/**
 * Hint sends in flight per target by default: the replay's window. Over a WAN
 * it is the replay's rate (64 per 40 ms round trip ≈ 1,600 hints/s; 8 gave
 * ≈ 180/s, and a 60 s cut under load took 425 s to converge); the peer link
 * batches the sends of one turn into one frame, so a window this wide costs a
 * returning node a few frames per round trip, not a flood.
 */
export const hintSendsInFlightDefault = 64;
/** Widest window a node may configure. */
export const hintSendsInFlightMax = 256;
/** Targets replayed at once per holder: several returning nodes share the holder's bandwidth. */
export const hintReplayTargetsMax = 2;
/** Deadline of one hint send. */
export const hintSendTimeoutMsDefault = 10_000;
/** Default period of the handoff sweep (replay to live targets, expire old hints). */
export const hintSweepIntervalMsDefault = 10_000;
/** Batches one target replay may run before yielding to the next sweep: keeps one replay from running unbounded. */
export const hintBatchesPerReplayMax = 1_000;
