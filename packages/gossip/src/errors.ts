/**
 * Operating conditions gossip reports by throwing. Malformed or foreign
 * messages are never errors: they are dropped and counted in `stats()`.
 *
 * - `invalid-argument`: an option or an update outside its limits (an empty id,
 *   a fan-out of 0, a weight above `weightMax`).
 * - `not-running`: a call that needs a started, not yet stopped, gossiper.
 */
export type GossipErrorCode = 'invalid-argument' | 'not-running';

/** The one error class of `@ringkv/gossip`; `code` says which condition, the message starts with `gossip: `. */
export class GossipError extends Error {
  override readonly name = 'GossipError';
  constructor(
    readonly code: GossipErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`gossip: ${message}`, options);
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isGossipError(error: unknown): error is GossipError {
  return error instanceof Error && error.name === 'GossipError' && typeof (error as GossipError).code === 'string';
}
