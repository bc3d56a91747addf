/**
 * Peer messages of topology changes (node-server's topology/): range
 * streaming for joins, leaves and cleanup, and the counts a plan asks for.
 *
 *   stream-range  {id, start: bin8, end: bin8, after?: bin, bytesMax, timeoutMs}  → range-sets-ok {id, entries, more?}
 *   stream-push   {id, entries: bin, timeoutMs}                                  → sync-sets-ok {id}
 *   stream-check  {id, entries: bin, timeoutMs}                                  → range-sets-ok {id, entries}
 *   range-stats   {id, ranges: bin, timeoutMs}                                   → range-stats-ok {id, counts: bin}
 *
 * `start`/`end` are ring positions (u64 big-endian) of the half-open,
 * possibly wrapping range (start, end] (hashring's convention; start = end is
 * the whole ring). `entries` are node-server's chunk format (the same as the
 * anti-entropy messages, validated there). `ranges` is 16 bytes per range
 * (start, end), `counts` is two f64 big-endian per range (keys, bytes) then
 * two more for the whole data of the answering node.
 *
 * Invariants:
 *   1. Every field is bounded before use: positions are exactly 8 bytes,
 *      `ranges` holds at most `treeIndicesMax` ranges, `entries` at most a frame.
 *   2. Replies reuse the anti-entropy reply types where the shape is the same.
 */
import { protocolError } from './errors.js';
import { readBytes, readInteger, readOptionalBytes, type FieldContext, type WireMap } from './fields.js';
import { requestIdMax, timeoutMsMax, treeIndicesMax, type ProtocolLimits } from './limits.js';

/** Pull one chunk of the stored sets whose ring position lies in (start, end], after storage key `after`, up to about `bytesMax`. */
export interface StreamRangeMessage {
  readonly type: 'stream-range';
  readonly id: number;
  /** u64 big-endian ring position (exclusive). */
  readonly start: Uint8Array;
  /** u64 big-endian ring position (inclusive); equal to `start`: the whole ring. */
  readonly end: Uint8Array;
  /** Resume after this storage key (the `more` of the previous chunk). */
  readonly after?: Uint8Array;
  readonly bytesMax: number;
  readonly timeoutMs: number;
}

/** Push one chunk of (key, set) pairs to a new owner: merged (DVV sync) durably, then `sync-sets-ok`. */
export interface StreamPushMessage {
  readonly type: 'stream-push';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly timeoutMs: number;
}

/** (key, 8-byte version digest) pairs: answered by `range-sets-ok` naming (with empty sets) the keys whose stored set is absent or differs. */
export interface StreamCheckMessage {
  readonly type: 'stream-check';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly timeoutMs: number;
}

/** Exact key and byte counts of the data this node stores in each range (16 bytes per range: start, end). */
export interface RangeStatsMessage {
  readonly type: 'range-stats';
  readonly id: number;
  readonly ranges: Uint8Array;
  readonly timeoutMs: number;
}

/** The counts of `range-stats`: f64 big-endian (keys, bytes) per range asked, then (keys, bytes) of all the node's data. */
export interface RangeStatsOkMessage {
  readonly type: 'range-stats-ok';
  readonly id: number;
  readonly counts: Uint8Array;
}

/** The topology messages. */
export type TopologyMessage = StreamRangeMessage | StreamPushMessage | StreamCheckMessage | RangeStatsMessage | RangeStatsOkMessage;

/** Their `type` strings. */
export const topologyMessageTypes: readonly TopologyMessage['type'][] = Object.freeze(['stream-range', 'stream-push', 'stream-check', 'range-stats', 'range-stats-ok'] as const);

function position(ctx: FieldContext, map: WireMap, field: string): Uint8Array {
  const bytes = readBytes(ctx, map, field, 8);
  if (bytes.length !== 8) throw protocolError('invalid-message', `${field} must be a u64 big-endian ring position (8 bytes, got ${bytes.length})`);
  return bytes;
}

function call(ctx: FieldContext, map: WireMap): { id: number; timeoutMs: number } {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  return { id, timeoutMs: readInteger(ctx, map, 'timeoutMs', 1, timeoutMsMax) };
}

/** The topology message in `map` (its type already known); throws `ProtocolError`. */
export function validateTopology(ctx: FieldContext, map: WireMap, type: TopologyMessage['type'], limits: ProtocolLimits): TopologyMessage {
  const frame = limits.frameBytesMax;
  switch (type) {
    case 'stream-range': {
      const { id, timeoutMs } = call(ctx, map);
      const start = position(ctx, map, 'start');
      const end = position(ctx, map, 'end');
      const after = readOptionalBytes(ctx, map, 'after', limits.keyBytesMax + 64, 'key-too-large');
      const bytesMax = readInteger(ctx, map, 'bytesMax', 1, frame);
      return after === undefined ? { type, id, start, end, bytesMax, timeoutMs } : { type, id, start, end, after, bytesMax, timeoutMs };
    }
    case 'stream-push':
    case 'stream-check': {
      const { id, timeoutMs } = call(ctx, map);
      return { type, id, entries: readBytes(ctx, map, 'entries', frame, 'value-too-large'), timeoutMs };
    }
    case 'range-stats': {
      const { id, timeoutMs } = call(ctx, map);
      const ranges = readBytes(ctx, map, 'ranges', treeIndicesMax * 16, 'limit-exceeded');
      if (ranges.length % 16 !== 0) throw protocolError('invalid-message', `ranges must be 16 bytes per range (got ${ranges.length} bytes)`);
      return { type, id, ranges, timeoutMs };
    }
    case 'range-stats-ok': {
      const id = readInteger(ctx, map, 'id', 0, requestIdMax);
      ctx.requestId = id;
      const counts = readBytes(ctx, map, 'counts', (treeIndicesMax + 1) * 16, 'limit-exceeded');
      if (counts.length % 16 !== 0) throw protocolError('invalid-message', `counts must be 16 bytes per range (got ${counts.length} bytes)`);
      return { type, id, counts };
    }
  }
}
