/**
 * A fast 64-bit non-cryptographic hash in pure TypeScript, used for the items
 * (key, digest pairs) and for the tree's nodes.
 *
 * The function is MurmurHash3_x86_128 (Austin Appleby's public-domain design,
 * implemented here from its published description), truncated to its first two
 * 32-bit words: `h1` is the high half of the 64-bit result and `h2` the low
 * half. Why this one:
 *   - It uses only 32-bit multiplies (`Math.imul`), adds and rotations, which JS
 *     engines run natively: no BigInt, no 64-bit emulation, no `node:crypto`, so
 *     the package stays pure and browser-safe.
 *   - It is well studied (SMHasher) and avalanches fully, which a Merkle tree
 *     needs: one changed byte must change the root with probability 1 - 2^-64.
 *   - It is not cryptographic. Replicas of one cluster trust each other; nothing
 *     here defends against a peer that crafts collisions on purpose.
 *
 * Invariants:
 *   1. `hashBytes64(b, n, seed)` equals the first 8 output bytes of the reference
 *      MurmurHash3_x86_128(b[0..n), seed), read as two little-endian words.
 *   2. `hashWords64(w0, w1, w2, w3, seed)` equals `hashBytes64` of the 16
 *      little-endian bytes of those words: the node hash is the same function,
 *      specialised to one block so it never touches a byte buffer.
 *
 * Concurrency: results go to a caller-supplied `out` array (hot paths reuse one),
 * so the functions allocate nothing and keep no state.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function readLe32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** The lanes' running state; module-level so the hot path allocates nothing. */
const lanes = new Uint32Array(4);

function mixBlock(k1: number, k2: number, k3: number, k4: number): void {
  let h1 = lanes[0]!;
  let h2 = lanes[1]!;
  let h3 = lanes[2]!;
  let h4 = lanes[3]!;
  h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
  h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
  h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
  h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  lanes[0] = h1;
  lanes[1] = h2;
  lanes[2] = h3;
  lanes[3] = h4;
}

/** Mixes the last `length & 15` bytes, which start at `at`, into the lanes. */
function mixTail(b: Uint8Array, at: number, length: number): void {
  const rest = length & 15;
  if (rest === 0) return;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  for (let i = rest - 1; i >= 0; i--) {
    const byte = b[at + i]!;
    const shift = (i & 3) << 3;
    if (i >= 12) k4 |= byte << shift;
    else if (i >= 8) k3 |= byte << shift;
    else if (i >= 4) k2 |= byte << shift;
    else k1 |= byte << shift;
  }
  if (rest > 12) lanes[3]! ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  if (rest > 8) lanes[2]! ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  if (rest > 4) lanes[1]! ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  lanes[0]! ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
}

/** The reference finalization; writes h1 (high) and h2 (low) to `out`. */
function finish(length: number, out: Uint32Array): void {
  let h1 = lanes[0]! ^ length;
  let h2 = lanes[1]! ^ length;
  let h3 = lanes[2]! ^ length;
  let h4 = lanes[3]! ^ length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
}

/**
 * Hashes `bytes[0..length)` with `seed` into `out[0]` (high 32 bits) and
 * `out[1]` (low 32 bits).
 *
 * Use for variable-length input (the item hash). `length` lets a caller hash the
 * filled prefix of a reused scratch buffer. Not for adversarial input.
 */
export function hashBytes64(bytes: Uint8Array, length: number, seed: number, out: Uint32Array): void {
  lanes.fill(seed >>> 0);
  const blocksEnd = length - (length & 15);
  for (let i = 0; i < blocksEnd; i += 16) {
    mixBlock(readLe32(bytes, i), readLe32(bytes, i + 4), readLe32(bytes, i + 8), readLe32(bytes, i + 12));
  }
  mixTail(bytes, blocksEnd, length);
  finish(length, out);
}

/**
 * Hashes four 32-bit words (as their 16 little-endian bytes) with `seed` into
 * `out`, exactly as `hashBytes64` would, without a byte buffer.
 *
 * Use for fixed-size inputs: a leaf (count and sum) or an inner node (its two
 * children's 64-bit hashes).
 */
export function hashWords64(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  seed: number,
  out: Uint32Array,
): void {
  lanes.fill(seed >>> 0);
  mixBlock(w0, w1, w2, w3);
  finish(16, out);
}
