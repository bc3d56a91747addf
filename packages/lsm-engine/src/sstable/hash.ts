/**
 * A 32-bit non-cryptographic hash of byte strings for the bloom filter, in the
 * Murmur3 style: 4-byte words multiplied by odd constants and rotated, then a
 * final avalanche so that every input bit affects every output bit. It is
 * part of the table format: changing it makes old filters lie, so it is
 * pinned by a golden test.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED = 0x9747b28c;

/** Hash of `data`; stable across platforms and releases (format-defining). */
export function hash32(data: Uint8Array): number {
  const n = data.length;
  let h = SEED ^ n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let k = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n - i;
  if (rest > 0) {
    let k = data[i] as number;
    if (rest > 1) k |= (data[i + 1] as number) << 8;
    if (rest > 2) k |= (data[i + 2] as number) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
