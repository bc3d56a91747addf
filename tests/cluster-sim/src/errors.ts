/** The errors of the whole-cluster simulation (operating conditions of a run, not anomalies: those are values). */

/** Stable codes of `ClusterSimError`. */
export type ClusterSimErrorCode = 'invalid-argument' | 'unknown-profile' | 'stuck';

/** An error of @ringkv/cluster-sim; messages start with "cluster-sim: ". */
export class ClusterSimError extends Error {
  override readonly name = 'ClusterSimError';
  constructor(
    readonly code: ClusterSimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`cluster-sim: ${message}`, options);
  }
}

/** True for a `ClusterSimError` (checked by name, so copies across module instances count). */
export function isClusterSimError(error: unknown): error is ClusterSimError {
  return error instanceof Error && error.name === 'ClusterSimError';
}
