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
 * so the functions allocate nothing and keep no state. The block round is written
 * out in both entry points rather than shared through an array, for speed.
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

/** The 1 to 4 bytes at `i` as a little-endian word, zero-padded (a tail word). */
function readTail(b: Uint8Array, i: number, count: number): number {
  let k = 0;
  for (let j = count - 1; j >= 0; j--) k = (k << 8) | b[i + j]!;
  return k;
}

/**
 * The finalization of the reference, from the four lanes after the last block;
 * writes h1 (high) and h2 (low) to `out`. Lanes are passed as arguments rather
 * than kept in an array: V8 keeps them in registers, which made node hashing
 * about twice as fast as a shared Uint32Array state.
 */
function finish(h1: number, h2: number, h3: number, h4: number, length: number, out: Uint32Array): void {
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
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

// How each lane (1 to 4) scrambles its message word `k` before xoring it in;
// the rest of the block round is spelled out in each caller (hot path).
function mixK1(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}
function mixK2(k: number): number {
  return Math.imul(rotl(Math.imul(k, C2), 16), C3);
}
function mixK3(k: number): number {
  return Math.imul(rotl(Math.imul(k, C3), 17), C4);
}
function mixK4(k: number): number {
  return Math.imul(rotl(Math.imul(k, C4), 18), C1);
}

/**
 * Hashes `bytes[0..length)` with `seed` into `out[0]` (high 32 bits) and
 * `out[1]` (low 32 bits).
 *
 * Use for variable-length input (the item hash). `length` lets a caller hash the
 * filled prefix of a reused scratch buffer. Not for adversarial input.
 */
export function hashBytes64(bytes: Uint8Array, length: number, seed: number, out: Uint32Array): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocksEnd = length - (length & 15);
  for (let i = 0; i < blocksEnd; i += 16) {
    h1 ^= mixK1(readLe32(bytes, i));
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK2(readLe32(bytes, i + 4));
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK3(readLe32(bytes, i + 8));
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK4(readLe32(bytes, i + 12));
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const rest = length & 15;
  if (rest > 12) h4 ^= mixK4(readTail(bytes, blocksEnd + 12, rest - 12));
  if (rest > 8) h3 ^= mixK3(readTail(bytes, blocksEnd + 8, Math.min(rest - 8, 4)));
  if (rest > 4) h2 ^= mixK2(readTail(bytes, blocksEnd + 4, Math.min(rest - 4, 4)));
  if (rest > 0) h1 ^= mixK1(readTail(bytes, blocksEnd, Math.min(rest, 4)));
  finish(h1, h2, h3, h4, length, out);
}

/**
 * Hashes four 32-bit words (as their 16 little-endian bytes) with `seed` into
 * `out`, exactly as `hashBytes64` would, without a byte buffer.
 *
 * Use for fixed-size inputs: a leaf (count and sum) or an inner node (its two
 * children's 64-bit hashes).
 */
export function hashWords64(w0: number, w1: number, w2: number, w3: number, seed: number, out: Uint32Array): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  h1 ^= mixK1(w0);
  h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
  h2 ^= mixK2(w1);
  h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
  h3 ^= mixK3(w2);
  h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
  h4 ^= mixK4(w3);
  h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  finish(h1, h2, h3, h4, 16, out);
}
