/**
 * Operating conditions this package reports. A bug in the package itself is an
 * assertion failure and never one of these.
 *
 * - `invalid-argument`: a local argument outside its contract: a position that is
 *   not 8 bytes, a key or digest longer than its limit, a depth, index, bucket or
 *   option out of range.
 * - `malformed`: bytes that came from elsewhere (a serialized tree, a peer's node
 *   hashes) do not decode: wrong magic, version, length, or hashes that do not
 *   match the data they summarize. Untrusted input is never trusted further.
 * - `shape-mismatch`: two trees with different bucket counts were compared; their
 *   nodes do not describe the same ranges, so no comparison is meaningful.
 * - `bucket-empty`: a removal from a bucket that holds no pair, so the pair was
 *   never inserted (the tree is unchanged).
 * - `bucket-full`: an insertion into a bucket already holding `bucketItemsMax`
 *   pairs (the tree is unchanged).
 */
export type MerkleErrorCode = 'invalid-argument' | 'malformed' | 'shape-mismatch' | 'bucket-empty' | 'bucket-full';

/**
 * The one error class of `@ringkv/merkle`. Test for it with `isMerkleError`
 * and branch on `code`; the message (prefixed `merkle: `) is for people.
 */
export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  constructor(readonly code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(`merkle: ${message}`, options);
  }
}

/**
 * True for an error raised by this package. Checks the name rather than
 * `instanceof`, so it holds across two copies of the package in one process.
 */
export function isMerkleError(error: unknown): error is MerkleError {
  return error instanceof Error && error.name === 'MerkleError' && typeof (error as MerkleError).code === 'string';
}
