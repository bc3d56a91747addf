/**
 * Key listing (issue 18): the client's `scan` / `scan-ok` and the peer's
 * `scan-range` (answered by `range-sets-ok`).
 *
 *   scan        {id, cursor?: bin, prefix?: key, limit?, options?}     → scan-ok {id, keys: [bin…], cursor?: bin}
 *   scan-range  {id, from: bin, end: bin8, prefix?: bin, keysMax, bytesMax, timeoutMs}
 *                                                                       → range-sets-ok {id, entries: bin, more?: bin}
 *
 * A *scan point* is a ring position (8 bytes, big-endian) followed by zero
 * or more user key bytes: data keys are stored in (position, key bytes)
 * order (node-server `store/keys.ts`), so a point names a place in that
 * order, and "every key at or after the point" is one engine range. A
 * cursor is a version byte then a scan point: opaque to users, read only by
 * nodes (`decodeCursor`).
 *
 * Invariants:
 *   1. A cursor decodes only if its version byte is `cursorVersion` and its
 *      point holds 8 position bytes and at most `keyBytesMax + 1` key bytes;
 *      anything else is `invalid-argument`, never a crash or a silent restart.
 *   2. Every field is bounded before use: `limit` in [1, scanLimitMax],
 *      `keysMax` in [1, scanKeysPerCallMax], `bytesMax` at most a frame.
 *   3. `scan-ok` keys are bytes (a string key and its UTF-8 bytes are the
 *      same key); at most `scanLimitMax` of them.
 */
import { protocolError } from './errors.js';
import { readArray, readBytes, readInteger, readKey, readOptionalBytes, readOptionalInteger, own, fail, type FieldContext, type WireMap } from './fields.js';
import { requestIdMax, scanKeysPerCallMax, scanLimitMax, timeoutMsMax, type ProtocolLimits } from './limits.js';
import type { ScanOkMessage, ScanRequest } from './messages.js';

/** The first byte of every cursor this version writes. */
export const cursorVersion = 1;

/**
 * Peer: the keys this replica stores at or after scan point `from`, up to
 * and including ring position `end`, each with its sibling set stripped of
 * values (node-server's chunk format); `more` is the scan point to resume
 * from when the replica stopped early.
 */
export interface ScanRangeMessage {
  readonly type: 'scan-range';
  readonly id: number;
  readonly from: Uint8Array;
  /** u64 big-endian ring position, inclusive; `from`'s position ≤ `end` (no wrap). */
  readonly end: Uint8Array;
  readonly prefix?: Uint8Array;
  readonly keysMax: number;
  readonly bytesMax: number;
  readonly timeoutMs: number;
}

/** The bytes of a cursor for scan point `point` (position ‖ key bytes). */
export function encodeCursor(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(point.length + 1);
  out[0] = cursorVersion;
  out.set(point, 1);
  return out;
}

/** The scan point of a cursor (a view); throws `invalid-argument` for bytes no node wrote (invariant 1). */
export function decodeCursor(cursor: Uint8Array, keyBytesMax: number, requestId?: number): Uint8Array {
  if (cursor.length === 0 || cursor[0] !== cursorVersion) throw protocolError('invalid-argument', 'cursor is not one a node wrote (unknown version): pass back the cursor of a scan-ok unchanged', { requestId });
  const point = cursor.subarray(1);
  if (point.length < 8 || point.length > 8 + keyBytesMax + 1) throw protocolError('invalid-argument', `cursor is not one a node wrote (${cursor.length} bytes)`, { requestId });
  return point;
}

/** Longest scan point: position, a longest key and one more byte (the successor of a key). */
export function scanPointBytesMax(limits: Pick<ProtocolLimits, 'keyBytesMax'>): number {
  return 8 + limits.keyBytesMax + 1;
}

/** The body of a `scan` request (id already read into `ctx`); throws `ProtocolError`. */
export function readScanRequest(ctx: FieldContext, map: WireMap, id: number, limits: ProtocolLimits): ScanRequest {
  const out: { -readonly [K in keyof ScanRequest]: ScanRequest[K] } = { type: 'scan', id };
  const cursor = readOptionalBytes(ctx, map, 'cursor', scanPointBytesMax(limits) + 1, 'invalid-argument');
  if (cursor !== undefined) {
    decodeCursor(cursor, limits.keyBytesMax, id);
    out.cursor = cursor;
  }
  const prefix = own(map, 'prefix');
  if (prefix !== undefined && prefix !== null) out.prefix = readKey({ requestId: id, path: 'prefix.' }, { key: prefix }, limits.keyBytesMax);
  const limit = readOptionalInteger(ctx, map, 'limit', 1, scanLimitMax);
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** A `scan-ok` (id already read). */
export function readScanOk(ctx: FieldContext, map: WireMap, id: number, limits: ProtocolLimits): ScanOkMessage {
  const raw = readArray(ctx, map, 'keys', scanLimitMax);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < raw.length; i++) {
    const key = raw[i];
    if (!(key instanceof Uint8Array) || key.length === 0 || key.length > limits.keyBytesMax) fail(ctx, `keys[${i}]`, `must be 1 to ${limits.keyBytesMax} bytes`);
    keys.push(key);
  }
  const cursor = readOptionalBytes(ctx, map, 'cursor', scanPointBytesMax(limits) + 1);
  return cursor === undefined ? { type: 'scan-ok', id, keys } : { type: 'scan-ok', id, keys, cursor };
}

/** A `scan-range` peer call; throws `ProtocolError`. */
export function readScanRange(ctx: FieldContext, map: WireMap, limits: ProtocolLimits): ScanRangeMessage {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  const timeoutMs = readInteger(ctx, map, 'timeoutMs', 1, timeoutMsMax);
  const from = readBytes(ctx, map, 'from', scanPointBytesMax(limits), 'invalid-argument');
  if (from.length < 8) throw protocolError('invalid-argument', `from must be a scan point (8 position bytes and key bytes, got ${from.length} bytes)`, { requestId: id });
  const end = readBytes(ctx, map, 'end', 8);
  if (end.length !== 8) throw protocolError('invalid-message', `end must be a u64 big-endian ring position (8 bytes, got ${end.length})`, { requestId: id });
  const keysMax = readInteger(ctx, map, 'keysMax', 1, scanKeysPerCallMax);
  const bytesMax = readInteger(ctx, map, 'bytesMax', 1, limits.frameBytesMax);
  const prefix = readOptionalBytes(ctx, map, 'prefix', limits.keyBytesMax, 'key-too-large');
  const out: ScanRangeMessage = { type: 'scan-range', id, from, end, keysMax, bytesMax, timeoutMs };
  return prefix === undefined ? out : { ...out, prefix };
}
