/**
 * Every bound of the simulation, units last. Sized so one seed is a few
 * hundred operations and a few tens of simulated seconds: CI runs hundreds of
 * seeds on two shared cores, and a long campaign thousands.
 */

/** Fewest nodes a run may have: N = 3 replicas need three. */
export const nodesMin = 3;
/** Most nodes a run may have: beyond 7 a seed stops being cheap. */
export const nodesMax = 7;
/** Clients of a run by default: enough concurrent writers per key to make siblings. */
export const clientsDefault = 4;
/** Most clients a run may have. */
export const clientsMax = 16;
/** Operations (one get plus one put each) per client by default: a few hundred requests per seed. */
export const opsPerClientDefault = 30;
/** Most operations per client. */
export const opsPerClientMax = 10_000;
/** Keys the workloads write: few, so clients contend and siblings appear. */
export const keysDefault = 5;
/** A client gives up on a request after this long (then it is indeterminate). */
export const clientTimeoutMs = 2_500;
/** Pause between a client's operations: uniform in [0, this]. */
export const thinkMsMax = 120;
/** Simulated time the nemesis acts within, from the first operation. */
export const nemesisWindowMs = 8_000;
/** Nemesis events of a run by default (each a fault and, later, its heal). */
export const nemesisEventsDefault = 4;
/** Longest a single fault lasts before the nemesis heals it. */
export const faultMsMax = 3_000;
/** Largest clock skew or jump the nemesis gives a node. */
export const clockOffsetMsMax = 20_000;
/** After the workload: time for gossip to see every node up and handoff to replay, before anti-entropy. */
export const settleMs = 4_000;
/** Anti-entropy rounds (a pass on every node, then a settle) within which replicas must agree (issue 7: a bounded number); a tombstone collected on some replicas first needs a few: the holder collects it once past grace by its own clock. */
export const repairRoundsMax = 8;
/** Time between anti-entropy rounds. */
export const repairRoundMs = 1_500;
/** Upper bound of simulated time a run may take before it is declared stuck. */
export const runMsMax = 600_000;
/** Trace lines printed with a failure. */
export const traceSummaryLines = 40;
/** Runs a shrinker may try: each is a whole seed. */
export const shrinkRunsMax = 64;
