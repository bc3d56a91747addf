/**
 * Conditions the chaos run reports. A bug in the harness is an assertion;
 * an anomaly the checker finds is a result (`ChaosReport.valid`), never an
 * error: these codes are for runs that could not be carried out.
 *
 * - `invalid-option`: a flag or option out of range (nodes, clients, duration, seed).
 * - `node-failed`: a node process did not start (or restart) in time, or exited on its own.
 * - `proxy-failed`: a proxy could not listen on its address.
 * - `not-converged`: after the heal the cluster did not agree on its members,
 *   drain its hints or stop repairing within the convergence budget.
 * - `deadline`: the whole run passed its wall-clock bound.
 * - `interrupted`: SIGINT/SIGTERM stopped the run (every child was killed).
 */
export type ChaosErrorCode = 'invalid-option' | 'node-failed' | 'proxy-failed' | 'not-converged' | 'deadline' | 'interrupted';

/** The one error class of `@ringkv/chaos`: message prefixed `chaos: `, a stable `code`. */
export class ChaosError extends Error {
  override readonly name = 'ChaosError';
  constructor(
    readonly code: ChaosErrorCode,
    message: string,
  ) {
    super(`chaos: ${message}`);
  }
}

/** True for an error raised by this package (checked by name, not `instanceof`). */
export function isChaosError(error: unknown): error is ChaosError {
  return error instanceof Error && error.name === 'ChaosError' && typeof (error as ChaosError).code === 'string';
}
