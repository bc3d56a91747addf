/**
 * Operating conditions the engine reports. A bug is an assertion failure and
 * is never one of these.
 *
 * - `corruption`: a checksum, magic number or structure on disk is wrong where
 *   a torn write cannot explain it. Never skipped silently.
 * - `io`: the OS failed an operation (EIO, a failed fsync). After a failed
 *   fsync the engine refuses further writes (`closed` with the cause attached).
 * - `no-space`: the disk is full (ENOSPC). Nothing acknowledged is lost.
 * - `not-found`: a file the engine expected is missing (not a missing key:
 *   a missing key is `undefined`).
 * - `locked`: another engine holds the directory's lock file.
 * - `closed`: the engine is closed, or stopped accepting writes after a fatal error.
 * - `invalid-argument`: a key, value or option outside its limits.
 * - `write-stall-timeout`: a write waited longer than its bound for room in the memtables.
 */
export type LsmErrorCode =
  | 'corruption'
  | 'io'
  | 'no-space'
  | 'not-found'
  | 'locked'
  | 'closed'
  | 'invalid-argument'
  | 'write-stall-timeout';

export class LsmError extends Error {
  override readonly name = 'LsmError';
  constructor(
    readonly code: LsmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`lsm-engine: ${message}`, options);
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isLsmError(error: unknown): error is LsmError {
  return error instanceof Error && error.name === 'LsmError' && typeof (error as LsmError).code === 'string';
}
