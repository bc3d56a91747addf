/**
 * Operating conditions this package reports. A bug (a broken invariant inside
 * the package) is an assertion failure and is never one of these.
 *
 * - `malformed`: bytes or plain data handed to a decoder/parser are not a
 *   canonical encoding of a clock or context (truncated, trailing bytes,
 *   non-minimal varint, unsorted or duplicate actors, a zero counter, a bound
 *   exceeded, invalid UTF-8). Decoders of untrusted input raise only this.
 * - `invalid-argument`: a caller-supplied value is outside its contract (an
 *   empty or over-long actor id, a negative or fractional counter, a negative
 *   pruning bound).
 * - `too-many-siblings`: `update` would leave more live siblings than the
 *   set's `siblingsMax`; the write is refused and the set is unchanged. The
 *   client should read, resolve, and write back with the context it read.
 */
export type VclockErrorCode = 'malformed' | 'invalid-argument' | 'too-many-siblings';

/** The one error class of @ringkv/vclock; test it with `isVclockError` and switch on `code`. */
export class VclockError extends Error {
  override readonly name = 'VclockError';
  constructor(
    readonly code: VclockErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`vclock: ${message}`, options);
  }
}

/**
 * True for an error raised by this package. Checks the name, not `instanceof`,
 * so it works across copies of the package.
 */
export function isVclockError(error: unknown): error is VclockError {
  return error instanceof Error && error.name === 'VclockError' && typeof (error as VclockError).code === 'string';
}
