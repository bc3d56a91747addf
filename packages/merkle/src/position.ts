/**
 * Ring positions and buckets.
 *
 * A ring position is a 64-bit hash given as 8 big-endian bytes: the form
 * `@ringkv/hashring` exports and the node stores as the prefix of a data key.
 * This package takes the bytes and never depends on the ring itself.
 *
 * A tree with 2^b buckets splits the 64-bit space into 2^b equal ranges; a
 * position's bucket is its top b bits. Bucket k covers positions
 * [k · 2^(64-b), (k+1) · 2^(64-b) - 1].
 *
 * Invariants:
 *   1. Buckets partition the space: every position is in exactly one bucket,
 *      and `bucketOf(bucketRange(k).start) === bucketOf(bucketRange(k).end) === k`.
 *   2. Bucket order is position order, so ascending buckets are an ascending
 *      range scan of the store.
 */
import { MerkleError } from './errors.js';
import { bucketsLog2Max, bucketsLog2Min } from './limits.js';

/** Bytes in a ring position (a 64-bit hash, big-endian). */
export const positionBytes = 8;

/**
 * The inclusive position range of one bucket, for a range scan of the store.
 *
 * `start` and `end` are both inside the bucket (8 bytes, big-endian). `next` is
 * the first position of the following bucket, or `undefined` for the last
 * bucket, whose range ends at ff…ff and has no successor in 8 bytes.
 */
export interface BucketRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly next: Uint8Array | undefined;
}

/** Throws `invalid-argument` unless `bucketsLog2` is an integer within the limits. */
export function checkBucketsLog2(bucketsLog2: number): void {
  if (!Number.isInteger(bucketsLog2) || bucketsLog2 < bucketsLog2Min || bucketsLog2 > bucketsLog2Max) {
    throw new MerkleError(
      'invalid-argument',
      `bucketsLog2 must be an integer in [${bucketsLog2Min}, ${bucketsLog2Max}], got ${String(bucketsLog2)}`,
    );
  }
}

/**
 * The bucket (0 ≤ bucket < 2^bucketsLog2) holding `position`.
 *
 * Use to group keys the way a tree of that size does (for example to batch a
 * rebuild). Only the first bytes are read, but the position must be exactly 8
 * bytes: anything else is `invalid-argument`, because a short or long prefix
 * almost always means the caller passed a whole store key by mistake.
 */
export function bucketOf(position: Uint8Array, bucketsLog2: number): number {
  checkBucketsLog2(bucketsLog2);
  return bucketOfUnchecked(position, bucketsLog2);
}

/** `bucketOf` without the `bucketsLog2` check, for a tree that validated it once. */
export function bucketOfUnchecked(position: Uint8Array, bucketsLog2: number): number {
  if (!(position instanceof Uint8Array) || position.length !== positionBytes) {
    throw new MerkleError('invalid-argument', `a ring position is ${positionBytes} bytes, got ${describe(position)}`);
  }
  if (bucketsLog2 === 0) return 0;
  const top = ((position[0]! << 24) | (position[1]! << 16) | (position[2]! << 8) | position[3]!) >>> 0;
  return top >>> (32 - bucketsLog2);
}

/**
 * The positions bucket `bucket` covers in a tree of 2^bucketsLog2 buckets.
 *
 * Use to scan the store for the keys of a differing bucket. Returns fresh
 * arrays the caller owns. A bucket outside [0, 2^bucketsLog2) is
 * `invalid-argument`.
 */
export function bucketRange(bucket: number, bucketsLog2: number): BucketRange {
  checkBucketsLog2(bucketsLog2);
  const count = 2 ** bucketsLog2;
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= count) {
    throw new MerkleError('invalid-argument', `bucket must be an integer in [0, ${count}), got ${String(bucket)}`);
  }
  const width = 64n - BigInt(bucketsLog2);
  const start = BigInt(bucket) << width;
  const next = start + (1n << width);
  return {
    start: toPosition(start),
    end: toPosition(next - 1n),
    next: bucket === count - 1 ? undefined : toPosition(next),
  };
}

function toPosition(value: bigint): Uint8Array {
  const bytes = new Uint8Array(positionBytes);
  new DataView(bytes.buffer).setBigUint64(0, value, false);
  return bytes;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}
