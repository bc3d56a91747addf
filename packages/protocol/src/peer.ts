/**
 * The peer protocol (node ↔ node), envelope kind 1: the messages a node
 * sends another on its own authenticated connection. Same framing, limits
 * and trust rules as the client protocol (codec.ts): size check, structural
 * pre-scan, msgpackr, then schema validation into fresh objects.
 *
 *   peer-hello      {protocolVersion, nodeId, clusterName, secret?, batching?, relay?}   first frame of a dialer
 *   peer-hello-ok   {nodeId, batching?, relay?}                       the acceptor's answer
 *   peer-batch      {messages: [call…] or [reply…]}                   many apply/fetch/forward calls or their replies (peer-batch.ts)
 *   gossip          {msg: map}                                        one-way; the map is @ringkv/gossip's message, validated there
 *   apply           {id, key, set: bin, hintFor?, timeoutMs}          → apply-ok {id}
 *   fetch           {id, key, hintFor?, timeoutMs}                    → fetch-ok {id, set?: bin}
 *   forward         {id, request: bin, timeoutMs}                     → forward-ok {id, reply: bin}
 *   relay           {id, entries: bin, timeoutMs}                     → relay-ok {id, outcomes: bin}   one copy of writes for a remote DC (relay.ts)
 *   tree-nodes      {id, group, bucketsLog2, depth, indices: bin, timeoutMs}  → tree-nodes-ok {id, hashes: bin}
 *   range-sets      {id, group, bucketsLog2, buckets: bin, after?: bin, bytesMax, digests?, timeoutMs}  → range-sets-ok {id, entries: bin, more?: bin}
 *   key-sets        {id, entries: bin, timeoutMs}                     → range-sets-ok {id, entries: bin}
 *   sync-sets       {id, entries: bin, timeoutMs}                     → sync-sets-ok {id}
 *   stream-range, stream-push, stream-check, range-stats (→ range-stats-ok): topology changes (peer-topology.ts)
 *   peer-error      {id?, code, message}                              a refused call, or the connection
 *
 * `set` is a stored sibling set as the node encodes it (node-server's
 * set-codec, validated there); `request`/`reply` are whole client-protocol
 * frames (decoded by a `WireCodec`, so a forwarded request passes the same
 * validation as one from a client).
 *
 * The last three are the anti-entropy exchange (node-server's
 * anti-entropy/): `group` names one Merkle tree (the sorted replica set of
 * the ranges it covers), `indices` and `buckets` are u32 big-endian arrays,
 * `hashes` are u64 big-endian node hashes in the order asked, and `entries`
 * is a chunk of (key, stored set) pairs encoded by node-server (validated
 * there), possibly lz4-compressed.
 *
 * Invariants:
 *   1. `decode` never throws; `encode` only emits frames `decode` accepts.
 *   2. Every call carries `timeoutMs` (the caller's remaining time): a
 *      replica never works on a call its caller has given up on for long.
 */
import { Packr, Unpackr } from 'msgpackr';
import { isProtocolErrorCode, protocolError, type ProtocolError, type ProtocolErrorCode } from './errors.js';
import { isWireMap, own, readBytes, readOptionalBoolean, readInteger, readKey, readMap, readOptionalBytes, readOptionalInteger, readOptionalString, readString, type FieldContext, type WireMap } from './fields.js';
import { peerBatchMessagesMax, treeBucketsLog2Max, treeGroupBytesMax, treeIndicesMax, authTokenBytesMax, errorCodeBytesMax, errorMessageBytesMax, envelopeContainerLengthMax, envelopeContainersMax, envelopeDepthMax, nameBytesMax, protocolVersionMax, requestIdMax, resolveLimits, timeoutMsMax, type ProtocolLimits } from './limits.js';
import { FRAME_VERSION, MessageKind, type Key } from './messages.js';
import { StructureScanner } from './scan.js';
import { topologyMessageTypes, validateTopology, type RangeStatsMessage, type RangeStatsOkMessage, type StreamCheckMessage, type StreamPushMessage, type StreamRangeMessage } from './peer-topology.js';
import { truncateUtf8 } from './utf8.js';
import { isBatchableCall, isBatchableReply, validatePeerBatch, type BatchableCall, type BatchableReply, type PeerBatchMessage } from './peer-batch.js';
import { relayMessageTypes, validateRelay, type RelayMessage, type RelayOkMessage } from './relay.js';

declare const checkedBrand: unique symbol;

/** A batchable message `PeerCodec.check` accepted: only these reach `encodeBatch`, so a batch frame is valid by construction. */
export type CheckedBatchMessage = (BatchableCall | BatchableReply) & { readonly [checkedBrand]: true };

/** Version of the peer message set, checked in `peer-hello`. */
export const PEER_PROTOCOL_VERSION = 1;

/** A dialing node's first frame. */
export interface PeerHelloMessage {
  readonly type: 'peer-hello';
  readonly protocolVersion: number;
  readonly nodeId: string;
  /** Messages of another cluster are refused at the hello. */
  readonly clusterName: string;
  /** The cluster secret, when the cluster has one (compare in constant time). */
  readonly secret?: string;
  /** The dialer reads `peer-batch` replies and may send `peer-batch` calls (peer-batch.ts); nodes without it ignore the field. */
  readonly batching?: boolean;
  /** The dialer may send `relay` calls (relay.ts): an acceptor that serves them answers `relay` too; nodes without it ignore the field. */
  readonly relay?: boolean;
}

/** The accepting node's answer to a good hello. */
export interface PeerHelloOkMessage {
  readonly type: 'peer-hello-ok';
  readonly nodeId: string;
  /** Only in answer to a hello with `batching`: the acceptor reads `peer-batch` calls and answers batched calls in `peer-batch` replies. */
  readonly batching?: boolean;
  /** Only in answer to a hello with `relay`: the acceptor serves `relay` calls (relay.ts); a dialer sends them only to a peer that said so. */
  readonly relay?: boolean;
}

/** A gossip message (one-way). */
export interface GossipPeerMessage {
  readonly type: 'gossip';
  readonly msg: Readonly<Record<string, unknown>>;
}

/** Store a sibling set (as data, or as a hint for `hintFor`), durably, then `apply-ok`. */
export interface ApplyMessage {
  readonly type: 'apply';
  readonly id: number;
  readonly key: Key;
  readonly set: Uint8Array;
  readonly hintFor?: string;
  /** With `hintFor`: when the write began on the coordinator's clock (ms); the hint is stamped no later than this. */
  readonly hintStampMs?: number;
  readonly timeoutMs: number;
}

/** Read a stored set (or the hint for `hintFor`). */
export interface FetchMessage {
  readonly type: 'fetch';
  readonly id: number;
  readonly key: Key;
  readonly hintFor?: string;
  readonly timeoutMs: number;
}

/** Coordinate a client request here (the sender is not a replica of its key); never forwarded again. */
export interface ForwardMessage {
  readonly type: 'forward';
  readonly id: number;
  /** One client-protocol frame holding a get, put or delete. */
  readonly request: Uint8Array;
  readonly timeoutMs: number;
}

/** An `apply` acknowledged: the set is stored durably (as data, or as the hint asked for). */
export interface ApplyOkMessage {
  readonly type: 'apply-ok';
  readonly id: number;
}

/** The answer to a `fetch`: the stored set (or hint), absent when there is none. */
export interface FetchOkMessage {
  readonly type: 'fetch-ok';
  readonly id: number;
  /** Absent: no set stored. */
  readonly set?: Uint8Array;
}

/** The answer to a `forward`: the coordinating node's client reply, as one client frame (its own `error` frame included). */
export interface ForwardOkMessage {
  readonly type: 'forward-ok';
  readonly id: number;
  /** One client-protocol frame holding the reply. */
  readonly reply: Uint8Array;
}

/** Anti-entropy: the hashes of nodes `indices` (u32 BE each) at `depth` of the tree of `group`. */
export interface TreeNodesMessage {
  readonly type: 'tree-nodes';
  readonly id: number;
  /** The tree's name: the sorted ids of the replica set it covers, comma-separated. */
  readonly group: string;
  /** The shape both sides must share; a peer with another shape answers `invalid-message`. */
  readonly bucketsLog2: number;
  readonly depth: number;
  /** u32 big-endian node indices, at most `treeIndicesMax`. */
  readonly indices: Uint8Array;
  readonly timeoutMs: number;
}

/** The answer to `tree-nodes`: 8 bytes (u64 BE) per index asked, in order. */
export interface TreeNodesOkMessage {
  readonly type: 'tree-nodes-ok';
  readonly id: number;
  readonly hashes: Uint8Array;
}

/** Anti-entropy: the stored sets of `group` in `buckets` (u32 BE each), after storage key `after`, up to about `bytesMax`. */
export interface RangeSetsMessage {
  readonly type: 'range-sets';
  readonly id: number;
  readonly group: string;
  readonly bucketsLog2: number;
  readonly buckets: Uint8Array;
  /** Resume after this storage key (the `more` of the previous chunk). */
  readonly after?: Uint8Array;
  readonly bytesMax: number;
  /** Answer (key, 8-byte version digest) pairs instead of (key, set): the driver then asks `key-sets` for the keys that differ. */
  readonly digests?: boolean;
  readonly timeoutMs: number;
}

/** Anti-entropy: the stored sets of the keys named in `entries` (pairs with empty sets); answered by `range-sets-ok` (absent keys left out). */
export interface KeySetsMessage {
  readonly type: 'key-sets';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly timeoutMs: number;
}

/** One chunk of (key, set) pairs; `more` (a storage key) when the chunk stopped early. */
export interface RangeSetsOkMessage {
  readonly type: 'range-sets-ok';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly more?: Uint8Array;
}

/** Anti-entropy: merge these (key, set) pairs into the receiver's store (DVV sync), durably, then `sync-sets-ok`. */
export interface SyncSetsMessage {
  readonly type: 'sync-sets';
  readonly id: number;
  readonly entries: Uint8Array;
  readonly timeoutMs: number;
}

/** Every pair of a `sync-sets` is stored durably. */
export interface SyncSetsOkMessage {
  readonly type: 'sync-sets-ok';
  readonly id: number;
}

/** A refused call (`id` set) or a refused connection. */
export interface PeerErrorMessage {
  readonly type: 'peer-error';
  readonly id?: number;
  readonly code: ProtocolErrorCode;
  readonly message: string;
}

/** Calls that expect a reply with the same id. */
export type PeerCall =
  | ApplyMessage
  | FetchMessage
  | ForwardMessage
  | TreeNodesMessage
  | RangeSetsMessage
  | KeySetsMessage
  | SyncSetsMessage
  | StreamRangeMessage
  | StreamPushMessage
  | StreamCheckMessage
  | RangeStatsMessage
  | RelayMessage;

/** Every peer message. */
export type PeerMessage =
  | PeerHelloMessage
  | PeerHelloOkMessage
  | GossipPeerMessage
  | PeerCall
  | ApplyOkMessage
  | FetchOkMessage
  | ForwardOkMessage
  | TreeNodesOkMessage
  | RangeSetsOkMessage
  | SyncSetsOkMessage
  | RangeStatsOkMessage
  | RelayOkMessage
  | PeerBatchMessage
  | PeerErrorMessage;

/** The `type` strings of every peer message. */
export const peerMessageTypes: readonly PeerMessage['type'][] = Object.freeze([
  'peer-hello',
  'peer-hello-ok',
  'gossip',
  'apply',
  'fetch',
  'forward',
  'apply-ok',
  'fetch-ok',
  'forward-ok',
  'tree-nodes',
  'tree-nodes-ok',
  'range-sets',
  'range-sets-ok',
  'key-sets',
  'sync-sets',
  'sync-sets-ok',
  ...topologyMessageTypes,
  ...relayMessageTypes,
  'peer-batch',
  'peer-error',
] as const);

/** The outcome of `PeerCodec.decode`. */
export type PeerDecodeResult = { readonly ok: true; readonly message: PeerMessage } | { readonly ok: false; readonly error: ProtocolError };

/**
 * Encodes and decodes peer frames under one set of limits.
 *
 * When to use: one per node, for all its peer connections; build it with the
 * same limits as the node's client `WireCodec` (a forwarded request or a
 * stored set must fit, so nodes of one cluster should share `valueBytesMax`).
 * Gotchas: `encode` throws `ProtocolError`; `decode` never throws. A set's
 * bytes may be up to `frameBytesMax` minus the envelope; the caller bounds
 * sets (node-server's `setBytesMax`).
 */
export class PeerCodec {
  readonly limits: ProtocolLimits;
  private readonly packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  private readonly scanner: StructureScanner;

  constructor(options: { readonly limits?: Partial<ProtocolLimits> } = {}) {
    this.limits = resolveLimits(options.limits);
    this.scanner = new StructureScanner({
      depthMax: envelopeDepthMax,
      containerLengthMax: envelopeContainerLengthMax,
      containersMax: envelopeContainersMax(this.limits),
      stringKeysOnly: true,
      allowTimestamp: false,
    });
  }

  /** One frame holding `message`; validated first. Throws `ProtocolError` (`invalid-message`, `frame-too-large`, `key-too-large`). */
  encode(message: PeerMessage): Uint8Array {
    if (!isWireMap(message)) throw protocolError('invalid-message', 'a peer message must be a plain object');
    const body = validatePeer(message as unknown as WireMap, this.limits);
    const frame: Uint8Array = this.packr.pack({ v: FRAME_VERSION, k: MessageKind.peer, ...body });
    if (frame.byteLength > this.limits.frameBytesMax) {
      throw protocolError('frame-too-large', `${message.type} frame of ${frame.byteLength} bytes exceeds ${this.limits.frameBytesMax}`);
    }
    return frame;
  }

  /**
   * `message` validated into a fresh object, for a later `encodeBatch`.
   * Throws `ProtocolError` (`invalid-message`, `key-too-large`, …) as
   * `encode` would: a caller batching calls fails only this one.
   */
  check(message: BatchableCall | BatchableReply): CheckedBatchMessage {
    if (!isWireMap(message)) throw protocolError('invalid-message', 'a peer message must be a plain object');
    const out = validatePeer(message as unknown as WireMap, this.limits);
    if (!isBatchableCall(out) && !isBatchableReply(out)) throw protocolError('invalid-message', `a ${out.type} may not travel in a peer-batch`);
    return out as CheckedBatchMessage;
  }

  /**
   * One `peer-batch` frame holding `messages` (each from `check`; calls only
   * or replies only, 1…`peerBatchMessagesMax`). Throws `ProtocolError`
   * (`invalid-message` for a bad mix or count, `frame-too-large`).
   */
  encodeBatch(messages: readonly CheckedBatchMessage[]): Uint8Array {
    if (messages.length === 0 || messages.length > peerBatchMessagesMax) throw protocolError('invalid-message', `a peer-batch holds 1…${peerBatchMessagesMax} messages (got ${messages.length})`);
    const calls = messages.filter(isBatchableCall).length;
    if (calls !== 0 && calls !== messages.length) throw protocolError('invalid-message', 'peer-batch: calls and replies may not share a batch');
    const frame: Uint8Array = this.packr.pack({ v: FRAME_VERSION, k: MessageKind.peer, type: 'peer-batch', messages });
    if (frame.byteLength > this.limits.frameBytesMax) {
      throw protocolError('frame-too-large', `peer-batch frame of ${frame.byteLength} bytes exceeds ${this.limits.frameBytesMax}`);
    }
    return frame;
  }

  /** The validated message in one frame, or why it is refused; never throws. */
  decode(frame: Uint8Array): PeerDecodeResult {
    if (!(frame instanceof Uint8Array)) return { ok: false, error: protocolError('malformed-frame', 'a frame must be bytes') };
    if (frame.byteLength > this.limits.frameBytesMax) {
      return { ok: false, error: protocolError('frame-too-large', `frame of ${frame.byteLength} bytes exceeds ${this.limits.frameBytesMax}`) };
    }
    const issue = this.scanner.scan(frame);
    if (issue !== undefined) {
      const code = issue.kind === 'malformed' ? 'malformed-frame' : issue.kind === 'limit' ? 'limit-exceeded' : 'invalid-message';
      return { ok: false, error: protocolError(code, `${issue.detail} at byte ${issue.offset}`) };
    }
    try {
      const decoded: unknown = this.unpackr.unpack(frame);
      if (!isWireMap(decoded)) throw protocolError('invalid-message', 'a frame must hold a map');
      if (own(decoded, 'v') !== FRAME_VERSION) throw protocolError('unsupported-version', `frame version ${String(own(decoded, 'v'))} is not supported`);
      if (own(decoded, 'k') !== MessageKind.peer) throw protocolError('unknown-type', 'not a peer frame (kind 1)');
      return { ok: true, message: validatePeer(decoded, this.limits) };
    } catch (error) {
      if (error instanceof Error && error.name === 'ProtocolError') return { ok: false, error: error as ProtocolError };
      return { ok: false, error: protocolError('malformed-frame', 'MessagePack decoding failed', { cause: error }) };
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function call(ctx: FieldContext, map: WireMap): { id: number; timeoutMs: number } {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  return { id, timeoutMs: readInteger(ctx, map, 'timeoutMs', 1, timeoutMsMax) };
}

function withHint<T extends { hintFor?: string }>(ctx: FieldContext, map: WireMap, out: Mutable<T>): T {
  const hintFor = readOptionalString(ctx, map, 'hintFor', nameBytesMax);
  if (hintFor !== undefined) out.hintFor = hintFor;
  return out;
}

/** The peer message in `map` (envelope already checked); throws `ProtocolError`. */
function validatePeer(map: WireMap, limits: ProtocolLimits): PeerMessage {
  const ctx: FieldContext = { requestId: undefined, path: '' };
  const type = own(map, 'type');
  switch (type) {
    case 'peer-hello': {
      const out: Mutable<PeerHelloMessage> = {
        type,
        protocolVersion: readInteger(ctx, map, 'protocolVersion', 1, protocolVersionMax),
        nodeId: readString(ctx, map, 'nodeId', nameBytesMax),
        clusterName: readString(ctx, map, 'clusterName', nameBytesMax),
      };
      const secret = readOptionalString(ctx, map, 'secret', authTokenBytesMax);
      if (secret !== undefined) out.secret = secret;
      if (readOptionalBoolean(ctx, map, 'batching') === true) out.batching = true;
      if (readOptionalBoolean(ctx, map, 'relay') === true) out.relay = true;
      return out;
    }
    case 'peer-hello-ok': {
      const out: Mutable<PeerHelloOkMessage> = { type, nodeId: readString(ctx, map, 'nodeId', nameBytesMax) };
      if (readOptionalBoolean(ctx, map, 'batching') === true) out.batching = true;
      if (readOptionalBoolean(ctx, map, 'relay') === true) out.relay = true;
      return out;
    }
    case 'peer-batch':
      return validatePeerBatch(ctx, map, (one) => validatePeer(one, limits));
    case 'gossip':
      return { type, msg: readMap(ctx, map, 'msg') };
    case 'apply': {
      const { id, timeoutMs } = call(ctx, map);
      const key = readKey(ctx, map, limits.keyBytesMax);
      const set = readBytes(ctx, map, 'set', limits.frameBytesMax, 'value-too-large');
      const out = withHint<ApplyMessage>(ctx, map, { type, id, key, set, timeoutMs }) as Mutable<ApplyMessage>;
      const hintStampMs = readOptionalInteger(ctx, map, 'hintStampMs', 0, Number.MAX_SAFE_INTEGER);
      if (hintStampMs !== undefined) out.hintStampMs = hintStampMs;
      return out;
    }
    case 'fetch': {
      const { id, timeoutMs } = call(ctx, map);
      return withHint<FetchMessage>(ctx, map, { type, id, key: readKey(ctx, map, limits.keyBytesMax), timeoutMs });
    }
    case 'forward': {
      const { id, timeoutMs } = call(ctx, map);
      return { type, id, request: readBytes(ctx, map, 'request', limits.frameBytesMax, 'value-too-large'), timeoutMs };
    }
    case 'apply-ok':
      return { type, id: readInteger(ctx, map, 'id', 0, requestIdMax) };
    case 'fetch-ok': {
      const id = readInteger(ctx, map, 'id', 0, requestIdMax);
      ctx.requestId = id;
      const set = readOptionalBytes(ctx, map, 'set', limits.frameBytesMax, 'value-too-large');
      return set === undefined ? { type, id } : { type, id, set };
    }
    case 'forward-ok': {
      const id = readInteger(ctx, map, 'id', 0, requestIdMax);
      ctx.requestId = id;
      return { type, id, reply: readBytes(ctx, map, 'reply', limits.frameBytesMax, 'value-too-large') };
    }
    case 'tree-nodes':
    case 'range-sets':
    case 'key-sets':
    case 'sync-sets':
    case 'tree-nodes-ok':
    case 'range-sets-ok':
    case 'sync-sets-ok':
      return validateExchange(ctx, map, type, limits);
    case 'stream-range':
    case 'stream-push':
    case 'stream-check':
    case 'range-stats':
    case 'range-stats-ok':
      return validateTopology(ctx, map, type, limits);
    case 'relay':
    case 'relay-ok':
      return validateRelay(ctx, map, type, limits);
    case 'peer-error':
      return peerError(ctx, map);
    default:
      throw protocolError('unknown-type', `unknown peer message type ${JSON.stringify(String(type).slice(0, 64))}`);
  }
}

type ExchangeMessage = TreeNodesMessage | RangeSetsMessage | KeySetsMessage | SyncSetsMessage | TreeNodesOkMessage | RangeSetsOkMessage | SyncSetsOkMessage;

/** A u32 BE array field: a multiple of 4 bytes, at most `treeIndicesMax` entries. */
function readU32s(ctx: FieldContext, map: WireMap, field: string): Uint8Array {
  const bytes = readBytes(ctx, map, field, treeIndicesMax * 4, 'limit-exceeded');
  if (bytes.length % 4 !== 0) throw protocolError('invalid-message', `${field} must be u32 big-endian values (got ${bytes.length} bytes)`);
  return bytes;
}

function reply(ctx: FieldContext, map: WireMap): number {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  return id;
}

/** The anti-entropy messages (module comment). */
function validateExchange(ctx: FieldContext, map: WireMap, type: ExchangeMessage['type'], limits: ProtocolLimits): ExchangeMessage {
  const frame = limits.frameBytesMax;
  switch (type) {
    case 'tree-nodes': {
      const { id, timeoutMs } = call(ctx, map);
      const group = readString(ctx, map, 'group', treeGroupBytesMax);
      const bucketsLog2 = readInteger(ctx, map, 'bucketsLog2', 0, treeBucketsLog2Max);
      const depth = readInteger(ctx, map, 'depth', 0, bucketsLog2);
      return { type, id, group, bucketsLog2, depth, indices: readU32s(ctx, map, 'indices'), timeoutMs };
    }
    case 'range-sets': {
      const { id, timeoutMs } = call(ctx, map);
      const group = readString(ctx, map, 'group', treeGroupBytesMax);
      const bucketsLog2 = readInteger(ctx, map, 'bucketsLog2', 0, treeBucketsLog2Max);
      const buckets = readU32s(ctx, map, 'buckets');
      const after = readOptionalBytes(ctx, map, 'after', limits.keyBytesMax + 64, 'key-too-large');
      const bytesMax = readInteger(ctx, map, 'bytesMax', 1, frame);
      const digests = readOptionalBoolean(ctx, map, 'digests');
      const out: Mutable<RangeSetsMessage> = { type, id, group, bucketsLog2, buckets, bytesMax, timeoutMs };
      if (after !== undefined) out.after = after;
      if (digests === true) out.digests = true;
      return out;
    }
    case 'key-sets':
    case 'sync-sets': {
      const { id, timeoutMs } = call(ctx, map);
      return { type, id, entries: readBytes(ctx, map, 'entries', frame, 'value-too-large'), timeoutMs };
    }
    case 'tree-nodes-ok': {
      const id = reply(ctx, map);
      return { type, id, hashes: readBytes(ctx, map, 'hashes', treeIndicesMax * 8, 'limit-exceeded') };
    }
    case 'range-sets-ok': {
      const id = reply(ctx, map);
      const entries = readBytes(ctx, map, 'entries', frame, 'value-too-large');
      const more = readOptionalBytes(ctx, map, 'more', limits.keyBytesMax + 64, 'key-too-large');
      return more === undefined ? { type, id, entries } : { type, id, entries, more };
    }
    case 'sync-sets-ok':
      return { type, id: reply(ctx, map) };
  }
}

function peerError(ctx: FieldContext, map: WireMap): PeerErrorMessage {
  const id = readOptionalInteger(ctx, map, 'id', 0, requestIdMax);
  const code = readString(ctx, map, 'code', errorCodeBytesMax);
  const message = readString(ctx, map, 'message', errorMessageBytesMax);
  const known: ProtocolErrorCode = isProtocolErrorCode(code) ? code : 'internal';
  const text = known === code ? message : truncateUtf8(`[${code}] ${message}`, errorMessageBytesMax);
  return id === undefined ? { type: 'peer-error', code: known, message: text } : { type: 'peer-error', id, code: known, message: text };
}
