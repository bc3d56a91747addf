/**
 * Operating conditions the page meets when it talks to a node, as one error
 * class with a stable code (the page shows the message and acts on the code):
 *
 * - `unauthorized`: the node has an auth token and the page sent none or a wrong one (401); the page asks for it.
 * - `http`: the node answered another non-2xx status; the message carries its error code and text.
 * - `network`: the node could not be reached, or a live stream ended; the page retries.
 */
export type DashboardErrorCode = 'unauthorized' | 'http' | 'network';

/**
 * The one error class of @ringkv/dashboard. Test it with
 * `isDashboardError` and switch on `code`; the message starts with
 * `dashboard: `.
 */
export class DashboardError extends Error {
  override readonly name = 'DashboardError';
  constructor(
    readonly code: DashboardErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(`dashboard: ${message}`);
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so two copies of the package agree. */
export function isDashboardError(error: unknown): error is DashboardError {
  return error instanceof Error && error.name === 'DashboardError';
}
