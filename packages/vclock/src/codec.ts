/**
 * The binary encoding of clocks and of client contexts.
 *
 * Layout (all integers are unsigned LEB128 varints, see varint.ts):
 *
 *     clock  := flags:u8  count:varint  entry{count}
 *     flags  := bit 0 set ⇔ entries carry lastModifiedMs; bits 1–7 are zero
 *     entry  := actorLength:varint  actor:utf8[actorLength]  counter:varint
 *               [lastModifiedMs:varint, only when flags bit 0 is set]
 *
 * A 3-entry clock of short node ids without timestamps is about 20 bytes.
 *
 * Invariants:
 *   1. The encoding is canonical: entries in clock order, minimal varints,
 *      flags bit 0 set exactly when some entry has lastModifiedMs > 0. So two
 *      clocks encode to equal bytes exactly when they are equal values, and
 *      encodings can be compared or hashed bytewise.
 *   2. `decodeClock` accepts exactly the canonical encodings: whenever it
 *      returns, `encodeClock` of the result is the input byte for byte.
 *   3. Decoding untrusted bytes either returns a canonical clock or throws
 *      VclockError('malformed'); it never throws anything else, never reads
 *      out of bounds, and allocates at most O(input length).
 *
 * A context is a clock without timestamps (flags = 0); `decodeContext`
 * rejects a timestamped encoding so contexts stay minimal on the wire.
 */
import { assert } from './assert.js';
import { type ClockEntry, type VClock, withoutTimestamps } from './clock.js';
import { VclockError } from './errors.js';
import { actorBytesMax, clockEntriesMax } from './limits.js';
import { readUtf8, utf8Length, writeUtf8 } from './utf8.js';
import { ByteReader, varintBytes, writeVarint } from './varint.js';

const flagTimestamps = 0x01;

/**
 * The canonical bytes of `clock`, timestamps included (see the layout above).
 * The result is a fresh buffer the caller owns. Never fails on a canonical clock.
 */
export function encodeClock(clock: VClock): Uint8Array {
  let withTimes = false;
  let size = 1 + varintBytes(clock.length);
  for (const entry of clock) {
    const actorBytes = utf8Length(entry.actor);
    size += varintBytes(actorBytes) + actorBytes + varintBytes(entry.counter);
    withTimes ||= entry.lastModifiedMs > 0;
  }
  if (withTimes) for (const entry of clock) size += varintBytes(entry.lastModifiedMs);
  const out = new Uint8Array(size);
  out[0] = withTimes ? flagTimestamps : 0;
  let at = writeVarint(out, 1, clock.length);
  for (const entry of clock) {
    at = writeVarint(out, at, utf8Length(entry.actor));
    at = writeUtf8(out, at, entry.actor);
    at = writeVarint(out, at, entry.counter);
    if (withTimes) at = writeVarint(out, at, entry.lastModifiedMs);
  }
  assert(at === size, 'encodeClock sized its buffer exactly');
  return out;
}

/**
 * Decodes bytes made by `encodeClock`, e.g. read from disk or a peer.
 *
 * Errors: VclockError('malformed') for anything that is not a canonical
 * encoding (invariant 2), including trailing bytes. It never throws any
 * other error, whatever the input. The result does not alias `bytes`.
 */
export function decodeClock(bytes: Uint8Array): VClock {
  if (!(bytes instanceof Uint8Array)) throw new VclockError('malformed', 'a clock encoding must be a Uint8Array');
  const reader = new ByteReader(bytes);
  const flags = reader.byte('flags');
  if ((flags & ~flagTimestamps) !== 0) {
    throw new VclockError('malformed', `unknown flag bits 0x${flags.toString(16)}`);
  }
  const withTimes = flags === flagTimestamps;
  const count = reader.varint('entry count');
  // Every entry takes at least 3 bytes, so a count beyond that is a lie we can
  // refuse before allocating anything for it.
  if (count > clockEntriesMax || count * 3 > reader.remaining) {
    throw new VclockError('malformed', `entry count ${count} is impossible for ${reader.remaining} remaining bytes`);
  }
  const entries: ClockEntry[] = [];
  let anyTime = false;
  for (let i = 0; i < count; i++) {
    const entry = readEntry(reader, withTimes, entries[i - 1]);
    anyTime ||= entry.lastModifiedMs > 0;
    entries.push(entry);
  }
  if (reader.remaining !== 0) throw new VclockError('malformed', `${reader.remaining} trailing bytes`);
  if (withTimes && !anyTime) throw new VclockError('malformed', 'timestamp flag set but every timestamp is 0');
  return entries;
}

function readEntry(reader: ByteReader, withTimes: boolean, previous: ClockEntry | undefined): ClockEntry {
  const length = reader.varint('actor length');
  if (length === 0 || length > actorBytesMax) {
    throw new VclockError('malformed', `actor length ${length} outside [1, ${actorBytesMax}]`);
  }
  const actor = readUtf8(reader.slice(length, 'actor'));
  if (previous !== undefined && !(previous.actor < actor)) {
    throw new VclockError('malformed', 'actors must be strictly increasing');
  }
  const counter = reader.varint('counter');
  if (counter === 0) throw new VclockError('malformed', `zero counter for actor ${JSON.stringify(actor)}`);
  const lastModifiedMs = withTimes ? reader.varint('lastModifiedMs') : 0;
  return { actor, counter, lastModifiedMs };
}

/**
 * The opaque bytes of a causal context, for the client API: the context's
 * counters in the clock layout, with timestamps stripped (flags = 0).
 *
 * When to use: the node answering a `get` encodes `context(set)` with this;
 * the client hands the bytes back unchanged with its `put`/`delete`.
 */
export function encodeContext(context: VClock): Uint8Array {
  return encodeClock(withoutTimestamps(context));
}

/**
 * Decodes a context a client sent back. Untrusted input: throws only
 * VclockError('malformed'), also for a timestamped clock encoding. An empty
 * context (`encodeContext([])`, two bytes) means "I read nothing".
 */
export function decodeContext(bytes: Uint8Array): VClock {
  const clock = decodeClock(bytes);
  if (bytes[0] !== 0) throw new VclockError('malformed', 'a context carries no timestamps');
  return clock;
}
