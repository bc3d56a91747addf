/**
 * xxHash64 (Yann Collet's XXH64, seed 0) computed with 32-bit halves.
 *
 * JavaScript numbers hold 53-bit integers and BigInt arithmetic allocates, so
 * every 64-bit quantity here is a pair of unsigned 32-bit words (hi, lo) and
 * every 64-bit multiply is assembled from 16-bit partial products that doubles
 * represent exactly. The result is bit-identical to the reference C
 * implementation (the tests check published vectors and a BigInt transcription
 * of the specification on random inputs of every length class).
 *
 * Concurrency: single-threaded; the module keeps scratch words (`R`) and
 * a UTF-8 scratch buffer, so no call allocates unless a string key is longer
 * than the scratch buffer. No call re-enters another.
 *
 * Invariants:
 *   1. `xxh64Bytes(b, s, e, out)` writes XXH64(b[s..e), seed 0) as out[0] = high
 *      word, out[1] = low word, both unsigned.
 *   2. `xxh64String(k, out)` equals `xxh64Bytes` of the UTF-8 encoding of `k`
 *      (lone surrogates encode as U+FFFD, as `TextEncoder` does).
 *   3. The function is part of the on-disk and cluster format: positions are
 *      stored in data keys and tokens are derived from it. It never changes.
 */

// The five XXH64 primes, as (hi, lo) words.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

const TWO32 = 0x1_0000_0000;

// Result words of the helpers below (R[0] = hi, R[1] = lo), read right after
// each call. A typed array rather than module variables: words at or above
// 2^30 do not fit V8's small integers, and a module variable holding one is a
// heap number allocated on every store, which made hashing ~10× slower.
const R = new Int32Array(2);

/** (ah, al) * (bh, bl) mod 2^64 into R. Inputs may be signed or unsigned words. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // Partial products of the low words: each below 2^33, exact in a double.
  const mid = a1 * b0 + a0 * b1;
  const low = a0 * b0 + (mid & 0xffff) * 0x10000;
  const carry = low >= TWO32 ? 1 : 0;
  R[1] = low;
  R[0] = a1 * b1 + ((mid / 0x10000) | 0) + carry + Math.imul(ah, bl) + Math.imul(al, bh);
}

/** (ah, al) + (bh, bl) mod 2^64 into R. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = (al >>> 0) + (bl >>> 0);
  R[1] = low;
  R[0] = ah + bh + (low >= TWO32 ? 1 : 0);
}

/** Rotate (h, l) left by r bits, 0 < r < 32, into R. */
function rotl(h: number, l: number, r: number): void {
  R[0] = (h << r) | (l >>> (32 - r));
  R[1] = (l << r) | (h >>> (32 - r));
}

/** XXH64_round: acc = rotl(acc + lane * P2, 31) * P1, into R. */
function round(acch: number, accl: number, laneh: number, lanel: number): void {
  mul(laneh, lanel, P2H, P2L);
  add(acch, accl, R[0] as number, R[1] as number);
  rotl(R[0] as number, R[1] as number, 31);
  mul(R[0] as number, R[1] as number, P1H, P1L);
}

/** Little-endian 32-bit word of `b` at `i` (signed; only its bits matter). */
function u32(b: Uint8Array, i: number): number {
  return (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
}

/**
 * XXH64 with seed 0 of `bytes[start, end)`; writes out[0] = high word and
 * out[1] = low word. `out` must have room for two words.
 */
export function xxh64Bytes(bytes: Uint8Array, start: number, end: number, out: Uint32Array): void {
  let i = start;
  let hh: number;
  let hl: number;
  if (end - start >= 32) {
    i = stripes(bytes, start, end);
    hh = R[0] as number;
    hl = R[1] as number;
  } else {
    hh = P5H;
    hl = P5L;
  }
  add(hh, hl, 0, end - start);
  hh = R[0] as number;
  hl = R[1] as number;
  while (i + 8 <= end) {
    round(0, 0, u32(bytes, i + 4), u32(bytes, i));
    rotl(hh ^ (R[0] as number), hl ^ (R[1] as number), 27);
    mul(R[0] as number, R[1] as number, P1H, P1L);
    add(R[0] as number, R[1] as number, P4H, P4L);
    hh = R[0] as number;
    hl = R[1] as number;
    i += 8;
  }
  if (i + 4 <= end) {
    mul(0, u32(bytes, i), P1H, P1L);
    rotl(hh ^ (R[0] as number), hl ^ (R[1] as number), 23);
    mul(R[0] as number, R[1] as number, P2H, P2L);
    add(R[0] as number, R[1] as number, P3H, P3L);
    hh = R[0] as number;
    hl = R[1] as number;
    i += 4;
  }
  while (i < end) {
    mul(0, bytes[i] as number, P5H, P5L);
    rotl(hh ^ (R[0] as number), hl ^ (R[1] as number), 11);
    mul(R[0] as number, R[1] as number, P1H, P1L);
    hh = R[0] as number;
    hl = R[1] as number;
    i++;
  }
  avalanche(hh, hl, out);
}

/**
 * The 32-byte stripe loop of inputs of 32 bytes or more, then the merge of the
 * four lanes: leaves the accumulator in R and returns the index after the
 * last full stripe.
 */
function stripes(bytes: Uint8Array, start: number, end: number): number {
  // Seed 0: v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1.
  add(P1H, P1L, P2H, P2L);
  let v1h = R[0] as number, v1l = R[1] as number;
  let v2h = P2H, v2l = P2L;
  let v3h = 0, v3l = 0;
  add(~P1H, ~P1L, 0, 1);
  let v4h = R[0] as number, v4l = R[1] as number;
  let i = start;
  for (const limit = end - 32; i <= limit; i += 32) {
    round(v1h, v1l, u32(bytes, i + 4), u32(bytes, i));
    v1h = R[0] as number; v1l = R[1] as number;
    round(v2h, v2l, u32(bytes, i + 12), u32(bytes, i + 8));
    v2h = R[0] as number; v2l = R[1] as number;
    round(v3h, v3l, u32(bytes, i + 20), u32(bytes, i + 16));
    v3h = R[0] as number; v3l = R[1] as number;
    round(v4h, v4l, u32(bytes, i + 28), u32(bytes, i + 24));
    v4h = R[0] as number; v4l = R[1] as number;
  }
  rotl(v1h, v1l, 1);
  let hh = R[0] as number, hl = R[1] as number;
  rotl(v2h, v2l, 7);
  add(hh, hl, R[0] as number, R[1] as number);
  hh = R[0] as number; hl = R[1] as number;
  rotl(v3h, v3l, 12);
  add(hh, hl, R[0] as number, R[1] as number);
  hh = R[0] as number; hl = R[1] as number;
  rotl(v4h, v4l, 18);
  add(hh, hl, R[0] as number, R[1] as number);
  mergeRound(R[0] as number, R[1] as number, v1h, v1l);
  mergeRound(R[0] as number, R[1] as number, v2h, v2l);
  mergeRound(R[0] as number, R[1] as number, v3h, v3l);
  mergeRound(R[0] as number, R[1] as number, v4h, v4l);
  return i;
}

/** XXH64_mergeRound: acc = (acc ^ round(0, v)) * P1 + P4, into R. */
function mergeRound(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul(acch ^ (R[0] as number), accl ^ (R[1] as number), P1H, P1L);
  add(R[0] as number, R[1] as number, P4H, P4L);
}

/** The final mix: xor-shift 33, * P2, xor-shift 29, * P3, xor-shift 32. */
function avalanche(h: number, l: number, out: Uint32Array): void {
  mul(h, l ^ (h >>> 1), P2H, P2L);
  h = R[0] as number;
  l = (R[1] as number) ^ (((R[1] as number) >>> 29) | (h << 3));
  mul(h ^ (h >>> 29), l, P3H, P3L);
  out[0] = R[0] as number;
  out[1] = (R[1] as number) ^ (R[0] as number);
}

// UTF-8 scratch for string keys; grows (rarely) for long keys and never shrinks.
let scratch = new Uint8Array(1024);

/**
 * XXH64 with seed 0 of the UTF-8 encoding of `key`; writes out[0] = high word
 * and out[1] = low word. Encodes by hand into a reused buffer: faster than
 * `TextEncoder` for the short keys of a key-value store, and allocation-free.
 */
export function xxh64String(key: string, out: Uint32Array): void {
  const length = key.length;
  if (length * 3 > scratch.length) scratch = new Uint8Array(length * 3);
  const buf = scratch;
  let j = 0;
  for (let i = 0; i < length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      buf[j++] = c;
    } else if (c < 0x800) {
      buf[j++] = 0xc0 | (c >>> 6);
      buf[j++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < length ? key.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[j++] = 0xf0 | (c >>> 18);
          buf[j++] = 0x80 | ((c >>> 12) & 0x3f);
          buf[j++] = 0x80 | ((c >>> 6) & 0x3f);
          buf[j++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // a lone surrogate, as TextEncoder encodes it
      }
      buf[j++] = 0xe0 | (c >>> 12);
      buf[j++] = 0x80 | ((c >>> 6) & 0x3f);
      buf[j++] = 0x80 | (c & 0x3f);
    }
  }
  xxh64Bytes(buf, 0, j, out);
}
