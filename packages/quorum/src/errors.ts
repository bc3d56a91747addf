/**
 * The package's typed error. Operating conditions a caller can act on carry a
 * stable `code`; expected outcomes (a quorum not met, a timeout) are result
 * values, never errors (docs/style.md, "Errors").
 */

/**
 * - `invalid-argument`: bad N/R/W, mode, timeout or option (a caller bug or a bad client request).
 * - `not-a-replica`: a write reached a coordinator outside the key's preference list; forward it.
 * - `stopped`: the coordinator or handoff was stopped; the request was not started.
 * - `no-local-replica`: a `local-one`/`local-quorum` request on a coordinator whose data center
 *   holds no replica of the key; nothing was sent (ask a node of a DC that does, or a global level).
 */
export type QuorumErrorCode = 'invalid-argument' | 'not-a-replica' | 'stopped' | 'no-local-replica';

/**
 * The error of @ringkv/quorum.
 *
 * When to use: switch on `code`; test with `isQuorumError` (by name, so it works
 * across copies of the package).
 * Gotcha: errors thrown by the injected ports (e.g. vclock's `too-many-siblings`
 * from `local.update`) pass through unchanged; they are not wrapped.
 */
export class QuorumError extends Error {
  override readonly name = 'QuorumError';
  readonly code: QuorumErrorCode;

  constructor(code: QuorumErrorCode, message: string) {
    super(`quorum: ${message}`);
    this.code = code;
  }
}

/** True when `error` is a QuorumError (checked by name, not `instanceof`). */
export function isQuorumError(error: unknown): error is QuorumError {
  return error instanceof Error && error.name === 'QuorumError' && typeof (error as QuorumError).code === 'string';
}
