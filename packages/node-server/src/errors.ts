/**
 * Operating conditions of a node, as one error class with a stable code.
 * A bug is an assertion; these are conditions an operator or caller acts on.
 *
 * - `invalid-option`: an option of `startNode` is missing, of the wrong type or out of range.
 * - `port-in-use`: another process listens on host:port (EADDRINUSE); the message names both.
 * - `data-dir-locked`: another live process (or node in this process) holds the data directory's lock.
 * - `listen-failed`: the server could not bind for another reason (EACCES, EADDRNOTAVAIL, …).
 * - `storage-failed`: the storage engine could not be opened or closed (I/O error, corruption).
 * - `corrupt-record`: a stored sibling set does not decode; the key is unreadable, the node keeps serving others.
 * - `not-found`: a backup snapshot the request names does not exist on this node.
 * - `settings-mismatch`: an explicit cluster setting (n, replicas, r, w, mode, hintTtlMs, tombstoneGraceMs,
 *   antiEntropyBucketsLog2) differs from the cluster's; the message names each setting and both values.
 */
export type NodeServerErrorCode =
  | 'invalid-option'
  | 'port-in-use'
  | 'data-dir-locked'
  | 'listen-failed'
  | 'storage-failed'
  | 'corrupt-record'
  | 'not-found'
  | 'settings-mismatch';

/**
 * The one error class of @ringkv/node-server. Test it with
 * `isNodeServerError` and switch on `code`; the message starts with
 * `node-server: ` and says what to do.
 */
export class NodeServerError extends Error {
  override readonly name = 'NodeServerError';
  constructor(
    readonly code: NodeServerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`node-server: ${message}`, options);
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isNodeServerError(error: unknown): error is NodeServerError {
  return error instanceof Error && error.name === 'NodeServerError' && typeof (error as NodeServerError).code === 'string';
}

/**
 * Throws `invalid-option` with `message` (which names the option and the value
 * it got). Internal: the one way options.ts, cluster/placement-options.ts and
 * tls/tls-files.ts refuse a bad option; not exported from the package index.
 */
export function invalidOption(message: string): never {
  throw new NodeServerError('invalid-option', message);
}
