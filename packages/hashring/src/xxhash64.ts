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
 * Concurrency: single-threaded; the module keeps scratch words (`rh`, `rl`) and
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

// Result words of the helpers below; read immediately after each call.
let rh = 0;
let rl = 0;

/** (ah, al) * (bh, bl) mod 2^64 into (rh, rl). */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // Partial products of the low words: each below 2^33, exact in a double.
  const mid = a1 * b0 + a0 * b1;
  const low = a0 * b0 + (mid & 0xffff) * 0x10000;
  const carry = low >= TWO32 ? 1 : 0;
  rl = low >>> 0;
  rh = (a1 * b1 + ((mid / 0x10000) | 0) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah, al) + (bh, bl) mod 2^64 into (rh, rl). */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  rl = low >>> 0;
  rh = (ah + bh + (low >= TWO32 ? 1 : 0)) >>> 0;
}

/** Rotate (h, l) left by r bits, 0 < r < 32, into (rh, rl). */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** XXH64_round: acc = rotl(acc + lane * P2, 31) * P1, into (rh, rl). */
function round(acch: number, accl: number, laneh: number, lanel: number): void {
  mul(laneh, lanel, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** Little-endian 32-bit word of `b` at `i`. */
function u32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
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
    // v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1 (seed 0).
    add(P1H, P1L, P2H, P2L);
    let v1h = rh, v1l = rl;
    let v2h = P2H, v2l = P2L;
    let v3h = 0, v3l = 0;
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    let v4h = rh, v4l = rl;
    const limit = end - 32;
    while (i <= limit) {
      round(v1h, v1l, u32(bytes, i + 4), u32(bytes, i));
      v1h = rh; v1l = rl;
      round(v2h, v2l, u32(bytes, i + 12), u32(bytes, i + 8));
      v2h = rh; v2l = rl;
      round(v3h, v3l, u32(bytes, i + 20), u32(bytes, i + 16));
      v3h = rh; v3l = rl;
      round(v4h, v4l, u32(bytes, i + 28), u32(bytes, i + 24));
      v4h = rh; v4l = rl;
      i += 32;
    }
    rotl(v1h, v1l, 1);
    hh = rh; hl = rl;
    rotl(v2h, v2l, 7);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl(v3h, v3l, 12);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl(v4h, v4l, 18);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    mergeRound(hh, hl, v1h, v1l);
    mergeRound(rh, rl, v2h, v2l);
    mergeRound(rh, rl, v3h, v3l);
    mergeRound(rh, rl, v4h, v4l);
    hh = rh; hl = rl;
  } else {
    hh = P5H; hl = P5L;
  }
  add(hh, hl, 0, end - start);
  hh = rh; hl = rl;
  while (i + 8 <= end) {
    round(0, 0, u32(bytes, i + 4), u32(bytes, i));
    hh ^= rh; hl ^= rl;
    rotl(hh >>> 0, hl >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    i += 8;
  }
  if (i + 4 <= end) {
    mul(0, u32(bytes, i), P1H, P1L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    i += 4;
  }
  while (i < end) {
    mul(0, bytes[i] as number, P5H, P5L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ rl) >>> 0;
    rotl(hh, hl, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh; hl = rl;
    i++;
  }
  avalanche(hh, hl, out);
}

/** XXH64_mergeRound: acc = (acc ^ round(0, v)) * P1 + P4, into (rh, rl). */
function mergeRound(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul((acch ^ rh) >>> 0, (accl ^ rl) >>> 0, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

/** The final mix: xor-shift 33, * P2, xor-shift 29, * P3, xor-shift 32. */
function avalanche(h: number, l: number, out: Uint32Array): void {
  l = (l ^ (h >>> 1)) >>> 0;
  mul(h, l, P2H, P2L);
  h = rh;
  l = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0;
  h = (h ^ (h >>> 29)) >>> 0;
  mul(h, l, P3H, P3L);
  out[0] = rh;
  out[1] = (rl ^ rh) >>> 0;
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
