/**
 * Every bound of the hash ring, in one place. A value outside these bounds is
 * an `invalid-argument` (a malformed request) or `limit-exceeded` (a ring that
 * would grow past what this package promises to handle) `HashRingError`.
 */

/**
 * Virtual nodes per unit of weight when the caller does not choose. 256 keeps
 * the relative standard deviation of load near 6% and a 100-node ring at
 * ~26k tokens (≈ 300 KiB of typed arrays), which is Cassandra's historical
 * `num_tokens` default for the same reasons.
 */
export const vnodesDefault = 256;

/**
 * Virtual nodes per unit of weight, at most. Balance stops improving
 * measurably long before this, while memory, ring-build time and the number of
 * ranges a join must stream keep growing linearly.
 */
export const vnodesMax = 4096;

/**
 * Physical nodes in one ring, at most. Dynamo-style clusters are tens to a few
 * hundred nodes; the bound keeps the per-walk scratch arrays small and fixed.
 */
export const nodesMax = 1024;

/**
 * Tokens (virtual nodes summed over all nodes, after weights) in one ring, at
 * most. 12 bytes per token keeps a full ring at 12 MiB and a ring rebuild
 * under a few tens of milliseconds.
 */
export const tokensMax = 1 << 20;

/**
 * Largest weight of one node. Weights express capacity ratios between
 * machines of one cluster; beyond 64× the small nodes would hold too few
 * tokens to be balanced at all.
 */
export const weightMax = 64;

/**
 * Replicas per key (`n` of a preference list), at most. Dynamo-style stores
 * run N = 3 and rarely above 5; every walk costs O(n) and a replica set is
 * compared pairwise in `ringDiff`, so the bound keeps both trivially cheap.
 */
export const replicasMax = 16;

/**
 * The replica count `ranges` and `ownership` assume when the caller passes
 * none: the cluster default N (docs/architecture.md).
 */
export const replicasDefault = 3;

/**
 * Length of a node id in UTF-16 code units, at most. Ids travel in every
 * gossip message and hint key, so they must stay short.
 */
export const nodeIdLengthMax = 256;

/** Length of a zone name in UTF-16 code units, at most; zones are labels like `eu-west-1a`. */
export const zoneLengthMax = 128;

/** Length of a data center name in UTF-16 code units, at most; DCs are labels like `eu-west-1`, and travel in every gossip entry. */
export const dcLengthMax = 64;

/**
 * Length of a machine label in UTF-16 code units, at most: a host name (RFC
 * 1035 allows 253 characters), which is the node's default label.
 */
export const machineLengthMax = 256;
