/**
 * The storage key layout: `d ‖ position(8 bytes, big-endian) ‖ user key bytes`.
 *
 * Invariants:
 *   1. Keys are ordered by ring position first, so a ring range is one engine
 *      key range (the cluster issue streams ranges with one scan).
 *   2. A string key and the bytes of its UTF-8 encoding are the same key (same
 *      hash, same storage key): the wire treats both as bytes.
 *   3. The prefix byte `d` (data) leaves room for other record families
 *      (hints, metadata) under other prefixes without a format change.
 */
import { hashKeyInto, positionBytes } from '@ringkv/hashring';
import type { Key } from '@ringkv/protocol';
import { storageKeyOverheadBytes } from '../limits.js';

/** Prefix of user data records. */
export const dataPrefix = 0x64; // 'd'

const encoder = new TextEncoder();

/** The key's bytes: UTF-8 for a string, the bytes themselves otherwise. */
export function keyBytes(key: Key): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key;
}

/** The engine key of a user key (a fresh buffer: the engine keeps it). */
export function storageKey(key: Key): Uint8Array {
  const bytes = keyBytes(key);
  // storageKeyOverheadBytes (limits.ts) must match this layout.
  const out = new Uint8Array(storageKeyOverheadBytes + bytes.length);
  out[0] = dataPrefix;
  hashKeyInto(bytes, out, 1);
  out.set(bytes, 1 + positionBytes);
  return out;
}

/** The user key bytes inside a storage key (a view). */
export function userKeyOf(storage: Uint8Array): Uint8Array {
  return storage.subarray(1 + positionBytes);
}

/** Node's native latin1 decoder, called on a plain Uint8Array (it needs only an ArrayBufferView). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/**
 * A string identity of a storage key for maps (latin1 maps each byte to one
 * char, no allocation of a hex string). Decoded from the array itself: a
 * Buffer over `storage.buffer` made V8 move a new small key (every write's)
 * off the heap first, a copy and an allocation per write.
 */
export function keyId(storage: Uint8Array): string {
  return latin1Slice.call(storage, 0, storage.length);
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
