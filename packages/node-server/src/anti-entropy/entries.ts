/**
 * The `entries` of `range-sets-ok` and `sync-sets` (docs/format/wire.md,
 * "Peer messages"): lz4-chunk.ts's wrapper (one format byte, 0 plain or 1
 * lz4 with the u32 BE uncompressed length) around a MessagePack array of `[userKey, set]` pairs
 * (each `set` a stored sibling set as set-codec encodes it), or
 * `[userKey, set, tombstoneAgeMs]` when the set is tombstone-only and goes
 * to a peer that lacks the key: how long the sender has held it (README,
 * "Tombstone collection"). In a `key-sets` request the `set` is empty, or
 * the one byte 0x01 when the requester holds no record of the key.
 *
 * Invariants:
 *   1. `decodeEntries` validates everything (format, length bound, pair
 *      shape, every set through `decodePeerSet`), so a peer's chunk never
 *      reaches the store unchecked.
 *   2. Chunks of `aeCompressBytesMin` bytes or more are compressed only when
 *      that makes them smaller.
 *   3. Nothing is allocated for a compressed chunk before its sizes agree:
 *      ringkv's declared length, lz4-napi's own little-endian u32 prefix
 *      (the size `uncompressSync` allocates, whatever it says) and the
 *      largest size the compressed bytes can expand to (`lz4ExpansionMax`)
 *      must all allow it, and it must be at most `aeChunkBytesMax`. A peer
 *      can therefore make this node decompress at most `lz4ExpansionMax`
 *      bytes per byte it sent, never gigabytes from a 64-byte frame.
 */
import { Packr, Unpackr } from 'msgpackr';
import { protocolError } from '@ringkv/protocol';
import { decodePeerSet, type StoredSet } from '../store/set-codec.js';
import { wrapChunk, unwrapChunk } from '../lz4-chunk.js';
import { aeChunkBytesMax, aeCompressBytesMin } from './limits.js';

/** One pair of a chunk: the user key bytes and the encoded stored set. */
export interface SetEntry {
  readonly key: Uint8Array;
  readonly set: Uint8Array;
  /** How long the sender has held this tombstone-only set (only towards a peer lacking the key). */
  readonly ageMs?: number;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The wire form of `entries` (module comment). */
export function encodeEntries(entries: readonly SetEntry[]): Uint8Array {
  return wrapChunk(packr.pack(entries.map((e) => (e.ageMs === undefined ? [e.key, e.set] : [e.key, e.set, e.ageMs]))), aeCompressBytesMin);
}

/** The pairs of a peer's chunk, every set decoded and validated; throws ProtocolError('invalid-message'). */
export function decodeEntries(bytes: Uint8Array): { key: Uint8Array; set: StoredSet; bytes: Uint8Array; ageMs?: number }[] {
  return decodePairs(bytes).map((e) => ({ key: e.key, set: decodePeerSet(e.set), bytes: e.set, ...(e.ageMs === undefined ? {} : { ageMs: e.ageMs }) }));
}

/** The raw (key, bytes) pairs of a chunk (digests, or key lists with empty values); throws ProtocolError('invalid-message'). */
export function decodePairs(bytes: Uint8Array): SetEntry[] {
  const body = unwrap(bytes);
  let raw: unknown;
  try {
    raw = unpackr.unpack(body);
  } catch (error) {
    throw protocolError('invalid-message', 'anti-entropy entries do not decode', { cause: error });
  }
  if (!Array.isArray(raw)) throw protocolError('invalid-message', 'anti-entropy entries must be an array');
  return raw.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length < 2 || pair.length > 3 || !(pair[0] instanceof Uint8Array) || !(pair[1] instanceof Uint8Array)) {
      throw protocolError('invalid-message', 'an anti-entropy entry must be [key bytes, set bytes] or [key bytes, set bytes, age ms]');
    }
    if (pair.length === 2) return { key: pair[0], set: pair[1] };
    const age: unknown = pair[2];
    if (typeof age !== 'number' || !Number.isFinite(age) || age < 0) throw protocolError('invalid-message', 'an anti-entropy tombstone age must be a non-negative number');
    return { key: pair[0], set: pair[1], ageMs: age };
  });
}

function unwrap(bytes: Uint8Array): Uint8Array {
  return unwrapChunk(bytes, aeChunkBytesMax, 'anti-entropy entries');
}
