/**
 * Every bound of the chaos run, units last. The run is a test harness on one
 * machine, so the bounds keep it finite in time, memory and processes.
 */

/** Fewest nodes: N = 3 replicas need three distinct nodes. */
export const nodesMin = 3;

/** Size of each node's tmpfs disk when the run has `disk-full` faults: room for a run's data (well under 10 MiB) and its engine's work, in RAM. */
export const nodeDiskBytes = 256 * 1024 * 1024;
/** Most nodes: node i binds 127.0.0.(10 + i) and its proxy 127.0.0.(20 + i) by default, so 9 keeps the two ranges apart. */
export const nodesMax = 9;
/** Most workload clients: each is an SDK client with a pool of connections, one op at a time. */
export const clientsMax = 32;
/** Most keys of the set workload (every key is read back in the final check). */
export const keysMax = 1_000;
/** Adds one key receives before the workload moves to a fresh key: ~12 bytes an element keeps a value under ~30 KiB. */
export const elementsPerKeyMax = 2_500;
/** Longest fault phase: one hour is a long campaign on a laptop; anything longer is a mistake. */
export const durationSMax = 3_600;
/** Shortest fault phase: shorter leaves no room for a fault and its heal. */
export const durationSMin = 5;

/** How long one fault holds before it heals, in ms (a few gossip rounds either side of failure detection). */
export const faultHoldMsMin = 1_000;
export const faultHoldMsMax = 5_000;
/** Quiet time between two faults, in ms (lets hints start replaying between faults). */
export const faultGapMsMin = 500;
export const faultGapMsMax = 3_000;
/** How often clients switch sides in a partition with `clientsFlip`, in ms (a few operations per side). */
export const clientFlipMs = 700;
/** Largest one-way latency a delay fault adds, in ms (below the node's request timeout, so delayed calls mostly succeed). */
export const faultDelayMsMax = 400;

/** Bytes a delayed proxy lane may hold before it stops reading its source (TCP-like backpressure). */
export const proxyLaneBytesMax = 4 * 1024 * 1024;
/** Connections one proxy keeps open; more are refused (five nodes and a few clients need well under a hundred). */
export const proxyConnectionsMax = 1_024;

/** Time a node process has to print its ready line, in ms (engine recovery plus listen). */
export const nodeStartTimeoutMs = 20_000;
/** Time a graceful stop (SIGTERM) gets before SIGKILL, in ms. */
export const nodeStopTimeoutMs = 5_000;
/** Gossip round of the chaos nodes, in ms: faster than the 1 s default so failure detection cycles several times per run. */
export const nodeGossipIntervalMs = 250;
/** The nodes' request deadline, in ms: below the client's, so most outcomes are definite answers from a coordinator. */
export const nodeRequestTimeoutMs = 1_500;
/** The clients' request deadline, in ms. */
export const clientRequestTimeoutMs = 3_000;
/** Pause between a client's failed op and its next one, in ms (no busy loop while a node is unreachable). */
export const clientBackoffMs = 50;

/** Time for members, hints and repair to settle after the heal, in ms. */
export const convergeTimeoutMs = 60_000;
/** Repair rounds (a pass on every node) before the cluster counts as not converged. */
export const repairRoundsMax = 5;
/** Attempts of each final read before the key counts as unread. */
export const finalReadAttemptsMax = 5;
/** Interval of the convergence polls (/status), in ms. */
export const pollIntervalMs = 200;
/** Wall-clock bound beyond the fault phase (start-up, heal, convergence, final reads), in ms. */
export const runOverheadMsMax = 180_000;
