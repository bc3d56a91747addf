/**
 * The `entries` of a `relay` call and the `outcomes` of its `relay-ok`
 * (docs/format/wire.md, "relay"):
 *
 *   entries   lz4-chunk.ts's wrapper around a MessagePack array of
 *             [key, set, targets], `key` a string or bytes (as `apply`'s),
 *             `set` a stored sibling set as set-codec encodes it, `targets`
 *             an array of [node] or [node, hintFor] or [node, hintFor, hintStampMs]
 *   outcomes  a MessagePack array, one item per entry, each an array with
 *             one item per target: 0 for an ack, [code, message] for a failure
 *
 * Invariants:
 *   1. Decoding validates everything (format, bounds, shapes, every set
 *      through `decodePeerSet`); it throws ProtocolError, never a raw error.
 *   2. Bodies of `relayCompressBytesMin` bytes or more are compressed only
 *      when that makes them smaller; nothing is decompressed beyond
 *      `aeChunkBytesMax` (lz4-chunk.ts invariant 2).
 *   3. `decodeOutcomes` accepts only the shape of the entries it answers:
 *      as many items as entries, as many outcomes as each entry's targets.
 */
import { Packr, Unpackr } from 'msgpackr';
import { isProtocolErrorCode, protocolError, type Key, type ProtocolErrorCode } from '@ringkv/protocol';
import { aeChunkBytesMax } from '../anti-entropy/limits.js';
import { wrapChunk, unwrapChunk } from '../lz4-chunk.js';
import * as L from '../limits.js';
import { decodePeerSet, type StoredSet } from '../store/set-codec.js';

/** One replica a relayed write goes to, as the coordinator's plan named it. */
export interface RelayTarget {
  readonly node: string;
  /** Set when `node` is a stand-in: store the set as a hint for this primary. */
  readonly hintFor?: string;
  readonly hintStampMs?: number;
}

/** One write of a relay: a key, its encoded set, and the targets in the relay node's DC. */
export interface RelayEntry {
  readonly key: Key;
  readonly set: Uint8Array;
  readonly targets: readonly RelayTarget[];
}

/** A decoded entry: the set also decoded (validated), for a relay node that is itself a target. */
export interface DecodedRelayEntry extends RelayEntry {
  readonly decoded: StoredSet;
}

/** One target's outcome: `undefined` for an ack, else the failure's code and message. */
export type RelayOutcome = { readonly code: ProtocolErrorCode; readonly message: string } | undefined;

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const nodeIdBytesMax = 256;
const outcomeMessageCharsMax = 500;

/** The wire form of a relay's `entries` (module comment); a new buffer. */
export function encodeRelayEntries(entries: readonly RelayEntry[]): Uint8Array {
  return wrapChunk(packr.pack(entries.map((e) => [e.key, e.set, e.targets.map(targetTuple)])), L.relayCompressBytesMin);
}

function targetTuple(t: RelayTarget): unknown[] {
  if (t.hintFor === undefined) return [t.node];
  return t.hintStampMs === undefined ? [t.node, t.hintFor] : [t.node, t.hintFor, t.hintStampMs];
}

/** A peer's relay entries, every field and set validated (invariant 1); throws ProtocolError. */
export function decodeRelayEntries(bytes: Uint8Array, keyBytesMax: number): DecodedRelayEntry[] {
  const raw = unpackOrRefuse(unwrapChunk(bytes, aeChunkBytesMax, 'relay entries'), 'relay entries');
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > L.relayEntriesMax) throw invalid(`relay entries must be an array of 1…${L.relayEntriesMax} writes`);
  return raw.map((item: unknown, i) => {
    if (!Array.isArray(item) || item.length !== 3) throw invalid(`relay entry ${i} must be [key, set, targets]`);
    const [key, set, targets] = item as [unknown, unknown, unknown];
    const keyBytes = typeof key === 'string' ? Buffer.byteLength(key) : key instanceof Uint8Array ? key.byteLength : -1;
    if (keyBytes < 1 || keyBytes > keyBytesMax) throw invalid(`relay entry ${i}: the key must be a string or bytes of 1…${keyBytesMax} bytes`);
    if (!(set instanceof Uint8Array)) throw invalid(`relay entry ${i}: the set must be bytes`);
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > L.relayTargetsMax) throw invalid(`relay entry ${i}: targets must be 1…${L.relayTargetsMax}`);
    return { key: key as Key, set, targets: targets.map((t: unknown) => readTarget(t, i)), decoded: decodePeerSet(set) };
  });
}

function readTarget(raw: unknown, i: number): RelayTarget {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 3) throw invalid(`relay entry ${i}: a target must be [node, hintFor?, hintStampMs?]`);
  const [node, hintFor, stamp] = raw as [unknown, unknown, unknown];
  if (!isName(node)) throw invalid(`relay entry ${i}: a target node must be a non-empty string of at most ${nodeIdBytesMax} bytes`);
  if (raw.length === 1) return { node };
  if (!isName(hintFor)) throw invalid(`relay entry ${i}: hintFor must be a non-empty string of at most ${nodeIdBytesMax} bytes`);
  if (raw.length === 2) return { node, hintFor };
  if (typeof stamp !== 'number' || !Number.isSafeInteger(stamp) || stamp < 0) throw invalid(`relay entry ${i}: hintStampMs must be a non-negative integer`);
  return { node, hintFor, hintStampMs: stamp };
}

/** The wire form of a `relay-ok`'s `outcomes`, one array per entry (module comment). */
export function encodeRelayOutcomes(outcomes: readonly (readonly RelayOutcome[])[]): Uint8Array {
  return packr.pack(outcomes.map((entry) => entry.map((o) => (o === undefined ? 0 : [o.code, o.message.slice(0, outcomeMessageCharsMax)]))));
}

/**
 * The outcomes a relay node answered for `entries` (invariant 3); throws
 * ProtocolError('invalid-message') when their shape does not match. An
 * unknown error code reads as `internal` (a newer node's code).
 */
export function decodeRelayOutcomes(bytes: Uint8Array, entries: readonly RelayEntry[]): RelayOutcome[][] {
  const raw = unpackOrRefuse(bytes, 'relay outcomes');
  if (!Array.isArray(raw) || raw.length !== entries.length) throw invalid(`relay outcomes must hold one item per write (${entries.length})`);
  return raw.map((item: unknown, i) => {
    const targets = (entries[i] as RelayEntry).targets.length;
    if (!Array.isArray(item) || item.length !== targets) throw invalid(`relay outcomes of write ${i} must hold ${targets} items`);
    return item.map((o: unknown): RelayOutcome => {
      if (o === 0) return undefined;
      if (!Array.isArray(o) || o.length !== 2 || typeof o[0] !== 'string' || typeof o[1] !== 'string') throw invalid(`a relay outcome must be 0 or [code, message]`);
      const code = o[0];
      return { code: isProtocolErrorCode(code) ? code : 'internal', message: o[1].slice(0, outcomeMessageCharsMax) };
    });
  });
}

function isName(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && Buffer.byteLength(x) <= nodeIdBytesMax;
}

function unpackOrRefuse(body: Uint8Array, what: string): unknown {
  try {
    return unpackr.unpack(body);
  } catch (error) {
    throw protocolError('invalid-message', `${what} do not decode`, { cause: error });
  }
}

function invalid(message: string): Error {
  return protocolError('invalid-message', message);
}
