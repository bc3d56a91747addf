/**
 * A ready-made version digest for callers that have none.
 *
 * The tree takes any digest of a key's version (≤ `digestBytesMax` bytes). A
 * node that stores sibling sets can hash each set's canonical encoding with
 * `versionDigest` and pass the 8 bytes to `insert`/`update`/`remove`.
 *
 * Invariants:
 *   1. The result is 8 bytes, the 64-bit hash of `hash64.ts` under its own seed
 *      (so it never equals an item or node hash of the same bytes), big-endian.
 *   2. It depends only on the bytes given: replicas agree exactly when their
 *      encodings of a version agree byte for byte.
 */
import { MerkleError } from './errors.js';
import { hashBytes64 } from './hash64.js';

/** Bytes in a `versionDigest` result. */
export const versionDigestBytes = 8;

const versionSeed = 0x52_4b_76_64; // "RKvd"
const out = new Uint32Array(2);

/**
 * An 8-byte digest of `encodedVersion` (a new array the caller owns).
 *
 * When to use: to turn a key's stored version (for example its sibling set as
 * MessagePack) into the digest the tree expects. Gotcha: the encoding must be
 * canonical (same version, same bytes on every replica: sorted map keys, no
 * timestamps of local interest), or equal data will look different and be
 * repaired forever. Not cryptographic.
 */
export function versionDigest(encodedVersion: Uint8Array): Uint8Array {
  if (!(encodedVersion instanceof Uint8Array)) {
    throw new MerkleError('invalid-argument', `versionDigest takes a Uint8Array, got ${typeof encodedVersion}`);
  }
  hashBytes64(encodedVersion, encodedVersion.length, versionSeed, out);
  // Bytes written one by one: a DataView over a new small array made V8 move its
  // store off the heap, 2 % of a node's CPU under puts (one or two digests per write).
  const digest = new Uint8Array(versionDigestBytes);
  const hi = out[0]!;
  const lo = out[1]!;
  digest[0] = hi >>> 24;
  digest[1] = hi >>> 16;
  digest[2] = hi >>> 8;
  digest[3] = hi;
  digest[4] = lo >>> 24;
  digest[5] = lo >>> 16;
  digest[6] = lo >>> 8;
  digest[7] = lo;
  return digest;
}
