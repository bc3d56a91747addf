/**
 * Ring positions: what a position is at the API edge, and its byte and hex forms.
 *
 * A position is an unsigned 64-bit integer. At the public API edge it is a
 * `bigint` in [0, 2^64): exact, comparable with `<`, and printable. Inside the
 * ring and on hot paths it is two unsigned 32-bit words (hi, lo) held in typed
 * arrays, compared hi first; no hot path creates a bigint.
 *
 * Invariants:
 *   1. Ring order is numeric order of the unsigned 64-bit value; position 0
 *      follows position 2^64 - 1 (the ring wraps).
 *   2. The byte form is 8 bytes big-endian, so bytewise (memcmp) order of byte
 *      forms equals ring order: a ring range is a byte range of a store whose
 *      keys lead with the position (`d ‖ position ‖ user key`).
 *   3. The hex form is 16 lowercase hex digits, zero-padded, so it too sorts
 *      like the position.
 */
import { HashRingError } from './errors.js';
import { xxh64Bytes, xxh64String } from './xxhash64.js';

/** An unsigned 64-bit ring position in [0, 2^64), as a bigint. */
export type RingPosition = bigint;

/** Length of a position's byte form. */
export const positionBytes = 8;

/** The largest position, 2^64 - 1. */
export const positionMax: RingPosition = 0xffff_ffff_ffff_ffffn;

// Scratch words for one hash result; read right after each call.
const words = new Uint32Array(2);

/** Hashes `key` into (out[0], out[1]) = (hi, lo). Internal hot-path form. */
export function hashKeyWords(key: string | Uint8Array, out: Uint32Array): void {
  if (typeof key === 'string') xxh64String(key, out);
  else if (key instanceof Uint8Array) xxh64Bytes(key, 0, key.length, out);
  else throw new HashRingError('invalid-argument', `a key must be a string or a Uint8Array, got ${typeof key}`);
}

/**
 * The ring position of a key: XXH64 (seed 0) of the key's bytes, strings taken
 * as UTF-8.
 *
 * Use it to place a key, to build its storage key (`positionToBytes`) or to
 * test range membership (`rangeContains`). Gotchas: the string `"a"` and the
 * bytes `[0x61]` hash alike, on purpose; the hash is part of the cluster's
 * on-disk format and is never changed.
 */
export function hashKey(key: string | Uint8Array): RingPosition {
  hashKeyWords(key, words);
  return wordsToPosition(words[0] as number, words[1] as number);
}

/**
 * Writes the 8-byte big-endian position of `key` into `out` at `offset`, with
 * no bigint on the way: the allocation-free form for building storage keys.
 * Throws `invalid-argument` when `out` has fewer than 8 bytes from `offset`.
 */
export function hashKeyInto(key: string | Uint8Array, out: Uint8Array, offset = 0): void {
  checkRoom(out, offset);
  hashKeyWords(key, words);
  writeWords(words[0] as number, words[1] as number, out, offset);
}

/** A position from its two unsigned 32-bit words. Internal. */
export function wordsToPosition(hi: number, lo: number): RingPosition {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Splits a validated position into words: out[0] = hi, out[1] = lo. Internal. */
export function positionToWords(position: RingPosition, out: Uint32Array): void {
  checkPosition(position);
  out[0] = Number(position >> 32n);
  out[1] = Number(position & 0xffff_ffffn);
}

/** Throws `invalid-argument` unless `position` is a bigint in [0, 2^64). */
export function checkPosition(position: RingPosition): void {
  if (typeof position !== 'bigint' || position < 0n || position > positionMax) {
    throw new HashRingError('invalid-argument', `a position must be a bigint in [0, 2^64), got ${String(position)}`);
  }
}

/**
 * The 8-byte big-endian form of a position, in a new array or written into
 * `out` at `offset` (then `out` is returned). Bytewise order of these forms is
 * ring order. Throws `invalid-argument` for a position outside [0, 2^64) or
 * too little room in `out`.
 */
export function positionToBytes(position: RingPosition, out?: Uint8Array, offset = 0): Uint8Array {
  positionToWords(position, words);
  const target = out ?? new Uint8Array(positionBytes);
  checkRoom(target, offset);
  writeWords(words[0] as number, words[1] as number, target, offset);
  return target;
}

/**
 * The position whose byte form starts at `bytes[offset]`. Throws
 * `invalid-argument` when fewer than 8 bytes remain.
 */
export function positionFromBytes(bytes: Uint8Array, offset = 0): RingPosition {
  positionBytesToWords(bytes, offset, words);
  return wordsToPosition(words[0] as number, words[1] as number);
}

/** Reads a byte-form position into out[0] = hi, out[1] = lo, checking room first. Internal. */
export function positionBytesToWords(bytes: Uint8Array, offset: number, out: Uint32Array): void {
  checkRoom(bytes, offset);
  out[0] = ((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
  out[1] = ((bytes[offset + 4] as number) << 24) | ((bytes[offset + 5] as number) << 16) | ((bytes[offset + 6] as number) << 8) | (bytes[offset + 7] as number);
}

/** The 16-digit lowercase hex form of a position, for logs and status pages; sorts like the position. */
export function positionToHex(position: RingPosition): string {
  checkPosition(position);
  return position.toString(16).padStart(16, '0');
}

/** The position of a 16-digit hex string (either case). Throws `invalid-argument` on anything else. */
export function positionFromHex(hex: string): RingPosition {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{16}$/.test(hex)) {
    throw new HashRingError('invalid-argument', `a position in hex is 16 hex digits, got ${JSON.stringify(hex)}`);
  }
  return BigInt(`0x${hex}`);
}

function writeWords(hi: number, lo: number, out: Uint8Array, offset: number): void {
  out[offset] = hi >>> 24;
  out[offset + 1] = (hi >>> 16) & 0xff;
  out[offset + 2] = (hi >>> 8) & 0xff;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

function checkRoom(bytes: Uint8Array, offset: number): void {
  if (!(bytes instanceof Uint8Array) || !Number.isInteger(offset) || offset < 0 || offset + positionBytes > bytes.length) {
    throw new HashRingError('invalid-argument', `a position needs ${positionBytes} bytes at offset ${offset}`);
  }
}
