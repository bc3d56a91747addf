/**
 * The `entries` of `range-sets-ok` and `sync-sets` (docs/format/wire.md,
 * "Peer messages"): one format byte (0 plain, 1 lz4), for lz4 the u32 BE
 * uncompressed length, then a MessagePack array of `[userKey, set]` pairs
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
import { compressSync, uncompressSync } from 'lz4-napi';
import { Packr, Unpackr } from 'msgpackr';
import { protocolError } from '@ringkv/protocol';
import { decodePeerSet, type StoredSet } from '../store/set-codec.js';
import { aeChunkBytesMax, aeCompressBytesMin, lz4ExpansionMax } from './limits.js';

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
  const body: Uint8Array = packr.pack(entries.map((e) => (e.ageMs === undefined ? [e.key, e.set] : [e.key, e.set, e.ageMs])));
  if (body.length >= aeCompressBytesMin) {
    const packed = compressSync(Buffer.from(body.buffer, body.byteOffset, body.length));
    if (packed.length + 5 < body.length) {
      const out = new Uint8Array(5 + packed.length);
      out[0] = 1;
      new DataView(out.buffer).setUint32(1, body.length);
      out.set(packed, 5);
      return out;
    }
  }
  const out = new Uint8Array(1 + body.length);
  out.set(body, 1);
  return out;
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
  if (bytes.length === 0) throw protocolError('invalid-message', 'empty anti-entropy entries');
  if (bytes[0] === 0) return bytes.subarray(1);
  if (bytes[0] !== 1 || bytes.length < 9) throw protocolError('invalid-message', `unknown anti-entropy entries format ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = view.getUint32(1);
  if (length > aeChunkBytesMax) throw protocolError('limit-exceeded', `an anti-entropy chunk of ${length} bytes exceeds ${aeChunkBytesMax}`);
  const packed = Buffer.from(bytes.buffer, bytes.byteOffset + 5, bytes.length - 5);
  checkLz4Size(packed, length);
  let out: Buffer;
  try {
    out = uncompressSync(packed);
  } catch (error) {
    throw protocolError('invalid-message', 'anti-entropy entries do not decompress', { cause: error });
  }
  if (out.length !== length) throw protocolError('invalid-message', `anti-entropy entries decompress to ${out.length} bytes, not ${length}`);
  return out;
}

/**
 * Refuses an lz4-napi body whose own size prefix (u32 LE, what
 * `uncompressSync` allocates) differs from the `declared` length, or that
 * claims more than its compressed bytes can hold (invariant 3). Throws
 * ProtocolError('invalid-message'); allocates nothing.
 */
function checkLz4Size(packed: Uint8Array, declared: number): void {
  const prefixed = new DataView(packed.buffer, packed.byteOffset, packed.length).getUint32(0, true);
  if (prefixed !== declared) throw protocolError('invalid-message', `anti-entropy entries: the lz4 body claims ${prefixed} bytes, the chunk ${declared}`);
  if (declared > (packed.length - 4) * lz4ExpansionMax) {
    throw protocolError('invalid-message', `anti-entropy entries: ${packed.length - 4} lz4 bytes cannot expand to ${declared}`);
  }
}
