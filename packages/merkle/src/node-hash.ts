/**
 * The three hashes of the tree: item, leaf and inner node. All are the 64-bit
 * hash of `hash64.ts`, each with its own seed so that no value of one kind can
 * pose as another (a leaf never hashes like an inner node of the same words).
 *
 *   item  = H_item(u32le(keyBytes) ‖ key ‖ digest)
 *   leaf  = H_leaf(count, sumHi, sumLo, 0)           (words, see hashWords64)
 *   inner = H_inner(leftHi, leftLo, rightHi, rightLo)
 *
 * The key length leads the item so that (key "ab", digest "c") and (key "a",
 * digest "bc") differ. A leaf folds in the pair count as well as the sum, so a
 * bucket's hash reflects how many pairs it holds even in the (2^-64) event that
 * its sum comes back to an earlier value.
 *
 * Invariants:
 *   1. Every function is deterministic and depends only on its arguments: two
 *      replicas on any platform compute the same hashes for the same content.
 *   2. `encodeKey` validates before it writes anything a caller can observe; a
 *      rejected key leaves no trace.
 *
 * Concurrency: one module-level scratch buffer is reused by every call (hot
 * path, no allocation per item). JS runs these calls to completion one at a
 * time, so sharing it is safe; nothing holds the buffer across calls.
 */
import { MerkleError } from './errors.js';
import { hashBytes64, hashWords64 } from './hash64.js';
import { digestBytesMax, keyBytesMax } from './limits.js';

/** A key as the store knows it: UTF-8 text or raw bytes (the same bytes hash the same). */
export type MerkleKey = string | Uint8Array;

const itemSeed = 0x52_4b_69_74; // "RKit"
const leafSeed = 0x52_4b_6c_66; // "RKlf"
const innerSeed = 0x52_4b_69_6e; // "RKin"

const keyOffset = 4;
const scratch = new Uint8Array(keyOffset + keyBytesMax + digestBytesMax);
const scratchView = new DataView(scratch.buffer);
const keyArea = scratch.subarray(keyOffset, keyOffset + keyBytesMax);
const utf8 = new TextEncoder();

/**
 * Writes `u32le(length) ‖ key` into the scratch buffer and returns the key's
 * byte length. Call `hashItem` right after, before anything else encodes a key.
 */
export function encodeKey(key: MerkleKey): number {
  let length: number;
  if (typeof key === 'string') {
    const result = utf8.encodeInto(key, keyArea);
    if (result.read < key.length) throw tooLong('key', `more than ${keyBytesMax} UTF-8 bytes`);
    length = result.written;
  } else if (key instanceof Uint8Array) {
    if (key.length > keyBytesMax) throw tooLong('key', `${key.length} bytes`);
    keyArea.set(key);
    length = key.length;
  } else {
    throw new MerkleError('invalid-argument', `a key is a string or a Uint8Array, got ${typeof key}`);
  }
  scratchView.setUint32(0, length, true);
  return length;
}

/** Throws `invalid-argument` unless `digest` is a Uint8Array within its limit. */
export function checkDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array)) {
    throw new MerkleError('invalid-argument', `a version digest is a Uint8Array, got ${typeof digest}`);
  }
  if (digest.length > digestBytesMax) throw tooLong('version digest', `${digest.length} bytes`);
}

/**
 * Hashes the key last written by `encodeKey` (its byte length is `keyLength`)
 * together with `digest`, into `out` (high, low). The digest must have passed
 * `checkDigest`.
 */
export function hashItem(keyLength: number, digest: Uint8Array, out: Uint32Array): void {
  const at = keyOffset + keyLength;
  scratch.set(digest, at);
  hashBytes64(scratch, at + digest.length, itemSeed, out);
}

/** The hash of a leaf holding `count` pairs whose item hashes sum to (sumHi, sumLo). */
export function hashLeaf(count: number, sumHi: number, sumLo: number, out: Uint32Array): void {
  hashWords64(count, sumHi, sumLo, 0, leafSeed, out);
}

/** The hash of an inner node from its left and right children's hashes. */
export function hashInner(leftHi: number, leftLo: number, rightHi: number, rightLo: number, out: Uint32Array): void {
  hashWords64(leftHi, leftLo, rightHi, rightLo, innerSeed, out);
}

function tooLong(what: string, got: string): MerkleError {
  const max = what === 'key' ? keyBytesMax : digestBytesMax;
  return new MerkleError('invalid-argument', `a ${what} is at most ${max} bytes, got ${got}`);
}
