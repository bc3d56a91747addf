/**
 * Errors of the command line. Each one becomes a single line on stderr and
 * an exit code; no stack trace ever reaches the user.
 *
 * Invariants:
 *   1. `usage` (a bad flag or argument) exits 2; every other code exits 1.
 *   2. Messages start with `ringkv: ` and fit on one line.
 */

/** What went wrong, as far as the exit code and the user are concerned. */
export type CliErrorCode =
  /** A flag, argument, env var or config value is wrong; exit 2. */
  | 'usage'
  /** The config file could not be read or parsed. */
  | 'config'
  /** No node answered at the URL. */
  | 'unreachable'
  /** The node refused an admin call for lack of a valid token (HTTP 401). */
  | 'unauthorized'
  /** The node refused an admin call it understood (unknown member, member still up, bad parameter). */
  | 'rejected'
  /** The node or the operation failed (node error, start failure). */
  | 'failed';

/**
 * The one error class of the app.
 *
 * When to use: throw it from command code; `cli.ts` prints its message and
 * exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`ringkv: ${oneLine(message)}`, options);
  }

  /** 2 for usage errors, 1 otherwise. */
  get exitCode(): number {
    return this.code === 'usage' ? 2 : 1;
  }
}

/** True for an error of this package (by name, not `instanceof`). */
export function isCliError(error: unknown): error is CliError {
  return error instanceof Error && error.name === 'CliError';
}

/** `text` with line breaks folded, so an error is always one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
