/**
 * Every bound and default of gossip, units last in the names.
 */

/** Default gossip round: one heartbeat and one exchange per peer chosen, every second (as Cassandra). */
export const gossipIntervalMsDefault = 1_000;

/** Default peers contacted per round: 3 spreads a change to 100 nodes in about 4 rounds. */
export const fanoutDefault = 3;

/** Most peers per round: beyond 16 the bytes grow faster than convergence improves. */
export const fanoutMax = 16;

/**
 * Default time without a heartbeat advance before this node suspects a member:
 * 5 rounds, long enough that 200 ms jitter and 5 % loss (heartbeats arrive by
 * many paths) almost never trigger it, short enough to detect a crash in ~10 s.
 */
export const suspectTimeoutMsDefault = 5_000;

/** Distinct reporters needed to declare a member down (fewer when fewer others are alive, as in a two-node cluster). */
export const reportersMinDefault = 2;

/**
 * Suspicions one member publishes in its own entry. A partitioned half may
 * suspect many; 32 keeps the entry small, and because each reporter picks its
 * 32 by a hash of (reporter, subject), different reporters cover different
 * subjects.
 */
export const suspectsPublishedMax = 32;

/** Members in the list, self included; entries beyond are dropped and counted (`membersRefused`). */
export const membersMax = 1_024;

/**
 * Member deltas per message. A newcomer needs the whole list once; 256 covers
 * a 256-node cluster in one reply and larger ones over a few rounds, keeping a
 * message under ~20 KiB.
 */
export const deltasPerMessageMax = 256;

/** Default time a left member is kept (so everyone hears it left) before it is forgotten; its id then stays refused at that generation as long again. */
export const leftRetentionMsDefault = 60_000;

/** Rounds a leaving node keeps gossiping its `left` status before it stops by itself. */
export const leaveAnnounceRounds = 3;

/** First wait before retrying the seeds when none answered. */
export const seedRetryMsInitial = 1_000;

/** Longest wait between seed attempts: a node never goes more than 30 s without trying to join. */
export const seedRetryMsMax = 30_000;

/** Staleness (in rounds) beyond which a peer's weight in peer choice stops growing, so one silent peer does not monopolise the fan-out. */
export const stalenessRoundsMax = 10;

/** Longest member id, in UTF-16 units. */
export const idLengthMax = 128;

/** Longest address (host:port, a URL), in UTF-16 units. */
export const addressLengthMax = 256;

/** Longest zone name, in UTF-16 units. */
export const zoneLengthMax = 64;

/** Longest data center name, in UTF-16 units. */
export const dcLengthMax = 64;

/** Longest machine label, in UTF-16 units: a host name (RFC 1035 allows 253 characters). */
export const machineLengthMax = 256;

/** Longest `meta` text a member publishes, in UTF-16 units: room for a node's cluster settings line, and a bound on every entry. */
export const metaLengthMax = 512;

/** Most virtual nodes per member; the ring's size is Σ vnodes × weight. */
export const vnodesMax = 4_096;

/** Largest weight of a member (a multiplier of its vnodes). */
export const weightMax = 1_000;

/** Longest cluster name, in UTF-16 units. */
export const clusterNameLengthMax = 64;

/**
 * How far past the known version of a member `remove` writes its `left`
 * status: a live member bumps its version about once a round, so for this
 * many rounds every exchange with it carries the newer copy and it learns
 * it was removed. Far below 2^53, so versions stay exact.
 */
export const removeVersionGap = 1_000_000;
