/**
 * The stored form of a key's sibling set: the MessagePack encoding of the
 * plain `DvvSet` of @ringkv/vclock, whose values are `StoredValue`s. The
 * same bytes go to peers (apply, hints, anti-entropy, streams, backups), so
 * a version's deadline travels wherever the set does, and the Merkle
 * version digest (a hash of these bytes) covers it. Byte layout:
 * docs/format/stored-set.md.
 *
 *   format 1: msgpack({ entries: [{ actor, counter, versions: [payload…] }…] })
 *   format 2: msgpack({ v: 2, entries: … }), written only when some payload has a deadline
 *   payload = { tombstone: true } | { tombstone: false, value: StoredValue, expiresAtMs?: uint }
 *   StoredValue = bin (the user's raw bytes) | { m: bin } (a MessagePack-encoded user value, kept as-is)
 *
 * Invariants:
 *   1. The node never decodes user values: bytes go in and out unchanged, and
 *      the `m` wrapper only remembers the wire's `valueEncoding: 'msgpack'`.
 *   2. `decodeSet` validates the structure (vclock's `checkDvvSet`), so a
 *      corrupt record is a `corrupt-record` error for its key, never a crash.
 *   3. No msgpackr records or shared structures: every record decodes alone.
 *   4. A set without deadlines encodes as format 1, byte for byte as before
 *      expiry existed (old records and digests stay valid); format 1 decodes
 *      as ever. A `v` this version does not know is refused, never guessed.
 */
import { Packr, Unpackr } from 'msgpackr';
import { checkDvvSet, type DvvSet } from '@ringkv/vclock';
import { protocolError } from '@ringkv/protocol';
import { NodeServerError } from '../errors.js';

/** A user value as stored: raw bytes, or MessagePack bytes marked as such. */
export type StoredValue = Uint8Array | { readonly m: Uint8Array };

/** A key's sibling set as stored. */
export type StoredSet = DvvSet<StoredValue>;

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** The stored value of a wire value. */
export function storedValue(value: Uint8Array, msgpack: boolean): StoredValue {
  return msgpack ? { m: value } : value;
}

function checkStoredValue(value: unknown): StoredValue {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'm')) {
    const m = (value as { m: unknown }).m;
    if (m instanceof Uint8Array) return { m };
  }
  throw new TypeError('a stored value must be bytes or { m: bytes }');
}

/** The format a set is written in when some version carries a deadline (invariant 4). */
export const setFormatWithDeadlines = 2;

/** Encodes a set for the engine (format 1 unless a version has a deadline: invariant 4). */
export function encodeSet(set: StoredSet): Uint8Array {
  return packr.pack(hasDeadline(set) ? { v: setFormatWithDeadlines, entries: set.entries } : set);
}

function hasDeadline(set: StoredSet): boolean {
  for (const entry of set.entries) for (const payload of entry.versions) if (!payload.tombstone && payload.expiresAtMs !== undefined) return true;
  return false;
}

/**
 * Decodes and validates a set a peer sent (apply, anti-entropy and stream
 * chunks); throws ProtocolError('invalid-message'). Not `decodeSet`: a bad
 * set on the wire is the sender's error, not a corrupt record of this
 * node's store (issue 15).
 */
export function decodePeerSet(bytes: Uint8Array): StoredSet {
  return decodeOr(bytes, (error) => protocolError('invalid-message', `the peer sent a sibling set that does not decode (${error.message})`, { cause: error }));
}

/** Decodes and validates a stored set; throws NodeServerError('corrupt-record'). */
export function decodeSet(bytes: Uint8Array): StoredSet {
  return decodeOr(bytes, (error) => new NodeServerError('corrupt-record', `a stored sibling set does not decode (${error.message})`, { cause: error }));
}

function decodeOr(bytes: Uint8Array, failure: (error: Error) => Error): StoredSet {
  try {
    const raw: unknown = unpackr.unpack(bytes);
    const v = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
    if (v !== undefined && v !== setFormatWithDeadlines) throw new TypeError(`unknown stored-set format ${String(v)}`);
    return checkDvvSet(raw, checkStoredValue);
  } catch (error) {
    throw failure(error as Error);
  }
}
