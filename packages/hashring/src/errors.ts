/**
 * Conditions the ring reports to its caller. A bug inside the ring is an
 * assertion failure and never one of these.
 *
 * - `invalid-argument`: a malformed input (an empty node id, `n` that is not an
 *   integer in [1, replicasMax], a weight that is not a positive number, a
 *   position outside [0, 2^64), bytes shorter than 8, bad hex).
 * - `unknown-node`: the node id is not a member of this ring.
 * - `duplicate-node`: `addNode` of an id that is already a member.
 * - `limit-exceeded`: the ring would pass `nodesMax` or `tokensMax`.
 */
export type HashRingErrorCode = 'invalid-argument' | 'unknown-node' | 'duplicate-node' | 'limit-exceeded';

/**
 * The one error class of `@ringkv/hashring`. Its message starts with
 * `hashring: ` and its `code` is stable; test with `isHashRingError`.
 */
export class HashRingError extends Error {
  override readonly name = 'HashRingError';
  constructor(
    readonly code: HashRingErrorCode,
    message: string,
  ) {
    super(`hashring: ${message}`);
  }
}

/**
 * True for an error raised by this package. Checks the name rather than
 * `instanceof`, so it holds across two copies of the package in one process.
 */
export function isHashRingError(error: unknown): error is HashRingError {
  return (
    error instanceof Error && error.name === 'HashRingError' && typeof (error as HashRingError).code === 'string'
  );
}
