/**
 * The peer messages of WAN relaying (node-server's cluster/dc-relay.ts): a
 * coordinator sends one copy of its writes for a remote data center to one
 * node there, which applies them to the replicas of its own DC and answers
 * one outcome per replica.
 *
 *   relay     {id, entries: bin, timeoutMs}   → relay-ok {id, outcomes: bin}
 *
 * `entries` is node-server's relay format: a format byte (0 plain, 1 lz4)
 * then a MessagePack array of `[key, set, targets]` (docs/format/wire.md,
 * "relay"); `outcomes` is a MessagePack array, per entry, of per-target
 * outcomes. Both are validated by node-server, as the anti-entropy `entries`
 * are. A dialer that may send relays says `relay: true` in its `peer-hello`;
 * an acceptor that serves them answers `relay: true` in its `peer-hello-ok`,
 * and only then does the dialer send `relay` calls, so a node without relay support keeps getting plain
 * `apply` calls during a rolling upgrade.
 *
 * Invariants:
 *   1. Every field is bounded before use: both byte fields at most a frame.
 *   2. A relay is never batched in a `peer-batch`: it is already a batch.
 */
import { readBytes, readInteger, type FieldContext, type WireMap } from './fields.js';
import { requestIdMax, timeoutMsMax, type ProtocolLimits } from './limits.js';

/** Apply the writes in `entries` to their targets in the receiver's DC; answered by `relay-ok` once each target settled or the relay's own deadline passed. */
export interface RelayMessage {
  readonly type: 'relay';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly timeoutMs: number;
}

/** One outcome per target of each entry, in the order of the `relay` (node-server's format). */
export interface RelayOkMessage {
  readonly type: 'relay-ok';
  readonly id: number;
  readonly outcomes: Uint8Array;
}

/** The `type` strings of the relay messages. */
export const relayMessageTypes = Object.freeze(['relay', 'relay-ok'] as const);

/** The relay message in `map` (envelope checked); throws `ProtocolError`. */
export function validateRelay(ctx: FieldContext, map: WireMap, type: 'relay' | 'relay-ok', limits: ProtocolLimits): RelayMessage | RelayOkMessage {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  if (type === 'relay-ok') return { type, id, outcomes: readBytes(ctx, map, 'outcomes', limits.frameBytesMax, 'value-too-large') };
  const timeoutMs = readInteger(ctx, map, 'timeoutMs', 1, timeoutMsMax);
  return { type, id, entries: readBytes(ctx, map, 'entries', limits.frameBytesMax, 'value-too-large'), timeoutMs };
}
