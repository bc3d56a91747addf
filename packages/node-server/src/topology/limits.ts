/**
 * The bounds of topology changes (join, leave, cleanup, plan), kept beside
 * the module like anti-entropy's.
 */

/** Default streaming bandwidth of a join or leave (token bucket, bytes of keys and sets per second): leaves foreground traffic most of a gigabit link and of the disk. */
export const streamBytesPerSecDefault = 16 * 1024 * 1024;

/** Smallest `streamBytesPerSec`: below 4 KiB/s a chunk of a few large sets waits minutes; tests use a small value to interrupt a stream. */
export const streamBytesPerSecMin = 4 * 1024;

/** Largest `streamBytesPerSec`: beyond any link; the token bucket stays exact in a double. */
export const streamBytesPerSecMax = 10 * 1024 ** 3;

/** Target bytes (keys + sets) of one stream chunk: far under the 4 MiB frame, big enough that round trips are not the bottleneck. */
export const streamChunkBytesMax = 512 * 1024;

/** Smallest chunk target: a chunk is at least a quarter second of bandwidth or this, so a slow stream still makes progress per call. */
export const streamChunkBytesMin = 1024;

/** Deadline of one stream call: a source that does not answer a chunk in this time is treated as failed and another replica is tried. */
export const streamCallTimeoutMs = 30_000;

/** Gossip rounds a leaving node waits after announcing its status before streaming, so coordinators already write to pending replicas. */
export const announceRounds = 3;

/**
 * Most gossip rounds a joining node waits for every live member to show it
 * knows the node is joining before it streams anyway (logged): a member that
 * stays silent (partitioned, overloaded) must not hold a join for ever;
 * anti-entropy then covers the writes it coordinated meanwhile. Gossip
 * usually spreads an entry to every member in log(n) rounds.
 */
export const joinWitnessRoundsMax = 30;

/**
 * Most time between a node announcing `left` and stopping itself (then
 * `onLeft`): it waits gossip's leave announce rounds plus one (so peers hear
 * `left` from it), but never longer than this, whatever the gossip interval
 * and whether or not any peer still answers: nothing after `left` waits on a peer.
 */
export const leftStopDelayMsMax = 10_000;

/** Beyond `stopDrainTimeoutMs`, how long a node that left waits for its own stop before calling `onLeft` anyway: closing clients and the engine takes about a second; more means something is stuck, and the app must still learn the node left. */
export const leftStopSlackMs = 5_000;

/** Wait between attempts when no source or target of a range answered; the change retries until it succeeds (it never gives up on data). */
export const streamRetryMs = 1_000;

/** Keys deleted per engine batch by cleanup; between batches the node yields a timer turn, so requests are served meanwhile. */
export const cleanupBatchKeys = 1_000;

/** Delay (in gossip rounds, jittered ±50 %) between a ring change and the background cleanup and repair it triggers: lets the change settle first. */
export const afterChangeRounds = 5;

/** Least delay of the anti-entropy pass scheduled after a ring change (brief: "a few seconds later"), jittered up to twice this. */
export const repairAfterChangeMsMin = 2_000;

/** Largest JSON body an admin POST may carry. */
export const adminBodyBytesMax = 64 * 1024;
