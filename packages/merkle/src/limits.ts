/**
 * Every bound of `@ringkv/merkle`, with the reason for its value. Units (or the
 * quantity counted) come last in each name.
 */

/**
 * Buckets per tree when the caller does not choose: 2^10 = 1,024. With a
 * million keys per replica a bucket holds about a thousand keys, so repairing
 * one differing bucket scans a few hundred KiB, while the whole tree is 16 KiB
 * of node hashes and a full descent is ten short round trips.
 */
export const bucketsLog2Default = 10;

/**
 * Smallest tree: a single bucket (the root is the only leaf). Useful for tiny
 * ranges and tests; every diff then names the whole range.
 */
export const bucketsLog2Min = 0;

/**
 * Largest tree: 2^20 buckets. Memory is 28 bytes per bucket (two node hashes
 * and a leaf summary), so 28 MiB at this bound, and a serialized tree is 28 MiB
 * too; beyond it a tree per replicated range no longer fits comfortably in a
 * node's memory or in a transfer.
 */
export const bucketsLog2Max = 20;

/**
 * Longest key accepted, in bytes (UTF-8 bytes for a string key). Mirrors the
 * store's key limit (keys ≤ 1 KiB: docs/architecture.md, "Data model"), and sizes the one scratch buffer
 * the item hash reuses.
 */
export const keyBytesMax = 1024;

/**
 * Longest version digest accepted, in bytes. A digest is a hash of a key's
 * sibling set (8 to 32 bytes in practice); 64 bytes leaves room for SHA-512.
 */
export const digestBytesMax = 64;

/**
 * Most (key, digest) pairs one bucket may summarize. The count is stored as an
 * unsigned 32-bit integer in the serialized form.
 */
export const bucketItemsMax = 0xffff_ffff;

/**
 * Most levels `compareNodes` may skip in one step. Each differing node expands
 * into 2^stride indices for the next request, so 8 bounds that fan-out at 256.
 */
export const strideLevelsMax = 8;
