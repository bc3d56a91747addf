/**
 * Errors the simulation kit raises. They are test-harness conditions, not
 * operating conditions of a product: each one means the test (or the code it
 * drives) did something the simulation cannot continue from.
 *
 * - `invalid-argument`: a delay, rate or option outside its domain.
 * - `invariant-violated`: a registered invariant failed after a step; the
 *   message names the invariant, the step, the simulated time and the seed.
 * - `step-limit`: a `runUntil`/`runUntilIdle` call fired more timers than its
 *   bound, which usually means a periodic timer keeps the world busy forever.
 */
export type SimErrorCode = 'invalid-argument' | 'invariant-violated' | 'step-limit';

/** The one error class of `@ringkv/sim`; `code` says which condition, the message starts with `sim: `. */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`sim: ${message}`, options);
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isSimError(error: unknown): error is SimError {
  return error instanceof Error && error.name === 'SimError' && typeof (error as SimError).code === 'string';
}
