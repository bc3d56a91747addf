/**
 * Schema validation: turns an untrusted decoded map into a typed `Message`,
 * or throws a `ProtocolError` (caught by the codec and returned as a value).
 *
 * Invariants:
 *   1. The result is a fresh object holding only the fields of its schema,
 *      each checked for type and bounds; unknown fields are dropped, so a
 *      newer peer may add optional fields without breaking this version.
 *   2. Types are selected with a `switch`, never by indexing an object with
 *      the untrusted `type` string (`constructor` or `__proto__` would hit
 *      the prototype).
 *   3. Optional fields that are absent or nil are absent from the result.
 */

import { isProtocolErrorCode, protocolError, type ProtocolErrorCode } from './errors.js';
import { truncateUtf8 } from './utf8.js';
import {
  fail,
  isWireMap,
  own,
  readArray,
  readBoolean,
  readBytes,
  readInteger,
  readKey,
  readMap,
  readOptionalBoolean,
  readOptionalBytes,
  readOptionalInteger,
  readOptionalMap,
  readOptionalString,
  readString,
  type FieldContext,
  type WireMap,
} from './fields.js';
import { readOptionalReceipt, ringOk } from './validate-cluster.js';
import {
  authTokenBytesMax,
  errorCodeBytesMax,
  errorMessageBytesMax,
  nameBytesMax,
  protocolVersionMax,
  replicasMax,
  requestIdMax,
  retryAfterMsMax,
  timeoutMsMax,
  ttlMsMax,
  valueBytesMaxFor,
  valueBytesOf,
  type ProtocolLimits,
} from './limits.js';
import type {
  AdvertisedLimits,
  BatchOp,
  BatchRequest,
  BatchResult,
  ClientRequest,
  ConsistencyLevel,
  DeleteRequest,
  ErrorMessage,
  GetOkMessage,
  GetRequest,
  GetResult,
  Key,
  Message,
  PutRequest,
  RequestOptions,
  Sibling,
} from './messages.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The message in `map`, validated (the caller checks the envelope keys `v` and `k` first); throws `ProtocolError`. */
export function validateBody(map: WireMap, limits: ProtocolLimits): Message {
  const ctx: FieldContext = { requestId: undefined, path: '' };
  const type = own(map, 'type');
  if (typeof type !== 'string') fail(ctx, 'type', 'must be a string');
  switch (type) {
    case 'hello':
      return hello(ctx, map);
    case 'hello-ok':
      return helloOk(ctx, map);
    case 'get':
    case 'put':
    case 'delete':
    case 'batch':
      return request(ctx, map, type, limits);
    case 'ring': {
      const id = readInteger(ctx, map, 'id', 0, requestIdMax);
      ctx.requestId = id;
      const watch = readOptionalBoolean(ctx, map, 'watch');
      return watch === undefined ? { type, id } : { type, id, watch };
    }
    case 'ring-changed':
      return { type, version: readInteger(ctx, map, 'version', 0, 0xffff_ffff) };
    case 'ring-ok':
      return ringOk(ctx, map);
    case 'get-ok':
    case 'put-ok':
    case 'delete-ok':
    case 'batch-ok':
      return reply(ctx, map, type, limits);
    case 'error':
      return errorMessage(ctx, map, limits);
    default:
      throw protocolError('unknown-type', `unknown message type ${JSON.stringify(type.slice(0, 64))}`, {
        requestId: peekId(map),
      });
  }
}

/** The request id of a map if it is a valid one, for error frames about unreadable messages. */
export function peekId(map: WireMap): number | undefined {
  const id = own(map, 'id');
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= requestIdMax ? id : undefined;
}

function hello(ctx: FieldContext, map: WireMap): Message {
  const out: Mutable<Extract<Message, { type: 'hello' }>> = {
    type: 'hello',
    protocolVersion: readInteger(ctx, map, 'protocolVersion', 1, protocolVersionMax),
    clientName: readString(ctx, map, 'clientName', nameBytesMax),
  };
  const authToken = readOptionalString(ctx, map, 'authToken', authTokenBytesMax);
  if (authToken !== undefined) out.authToken = authToken;
  return out;
}

function helloOk(ctx: FieldContext, map: WireMap): Message {
  const nodeId = readString(ctx, map, 'nodeId', nameBytesMax);
  const protocolVersion = readInteger(ctx, map, 'protocolVersion', 1, protocolVersionMax);
  const raw = readMap(ctx, map, 'limits');
  const sub: FieldContext = { requestId: undefined, path: 'limits.' };
  const positive = (field: string): number => readInteger(sub, raw, field, 1, Number.MAX_SAFE_INTEGER);
  const limits: AdvertisedLimits = {
    frameBytesMax: positive('frameBytesMax'),
    keyBytesMax: positive('keyBytesMax'),
    valueBytesMax: positive('valueBytesMax'),
    contextBytesMax: positive('contextBytesMax'),
    batchOpsMax: positive('batchOpsMax'),
    inFlightMax: positive('inFlightMax'),
  };
  return { type: 'hello-ok', nodeId, protocolVersion, limits };
}

function request(ctx: FieldContext, map: WireMap, type: 'get' | 'put' | 'delete' | 'batch', limits: ProtocolLimits): Message {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  // Objects are built field by field, never by spreading: spreads were most of the validation cost.
  const out = { type, id } as Mutable<Exclude<ClientRequest, { type: 'ring' }>>;
  if (type === 'batch') {
    const raw = readArray(ctx, map, 'ops', limits.batchOpsMax);
    if (raw.length === 0) fail(ctx, 'ops', 'must not be empty');
    const ops: BatchOp[] = [];
    for (let i = 0; i < raw.length; i++) ops.push(batchOp({ requestId: id, path: `ops[${i}].` }, raw[i], limits));
    (out as Mutable<BatchRequest>).ops = ops;
  } else {
    fillOp(ctx, map, limits, type, out as Mutable<GetRequest | PutRequest | DeleteRequest>);
    if (type !== 'get') fillCondition(ctx, map, type, out as Mutable<PutRequest>);
  }
  const options = readOptions(ctx, map);
  if (options !== undefined) out.options = options;
  return out;
}

/** One op of a batch. */
function batchOp(ctx: FieldContext, raw: unknown, limits: ProtocolLimits): BatchOp {
  if (!isWireMap(raw)) fail(ctx, '', 'must be a map');
  const type = own(raw, 'type');
  if (type !== 'get' && type !== 'put' && type !== 'delete') return fail(ctx, 'type', 'must be get, put or delete');
  const out = { type } as Mutable<BatchOp>;
  fillOp(ctx, raw, limits, type, out);
  return out;
}

type OpFields = { key: Key; value?: Uint8Array; valueEncoding?: 'msgpack'; context?: Uint8Array };

/** Sets `key` and, for writes, `value`/`valueEncoding`/`context` of a get, put or delete on `out`. */
function fillOp(ctx: FieldContext, raw: WireMap, limits: ProtocolLimits, type: BatchOp['type'], out: OpFields): void {
  out.key = readKey(ctx, raw, limits.keyBytesMax);
  if (type === 'get') return;
  if (type === 'put') fillValue(ctx, raw, limits, out);
  const context = readOptionalBytes(ctx, raw, 'context', limits.contextBytesMax, 'context-too-large');
  if (context !== undefined) out.context = context;
}

/** Sets `ttlMs`, `ifAbsent` and `ifMatch` of a put (a delete takes only `ifMatch`); true is the only value of a flag. */
function fillCondition(ctx: FieldContext, raw: WireMap, type: 'put' | 'delete', out: Mutable<PutRequest>): void {
  const ifMatch = readOptionalBoolean(ctx, raw, 'ifMatch');
  if (ifMatch === false) fail(ctx, 'ifMatch', 'must be true or absent');
  if (ifMatch === true) out.ifMatch = true;
  if (type === 'delete') return;
  const ttlMs = readOptionalInteger(ctx, raw, 'ttlMs', 1, ttlMsMax);
  if (ttlMs !== undefined) out.ttlMs = ttlMs;
  const ifAbsent = readOptionalBoolean(ctx, raw, 'ifAbsent');
  if (ifAbsent === false) fail(ctx, 'ifAbsent', 'must be true or absent');
  if (ifAbsent === true) {
    if (ifMatch === true) fail(ctx, 'ifAbsent', 'cannot be combined with ifMatch');
    out.ifAbsent = true;
  }
}

/** Sets `value` and `valueEncoding` of a put or a sibling on `out`. */
function fillValue(ctx: FieldContext, map: WireMap, limits: ProtocolLimits, out: { value?: Uint8Array; valueEncoding?: 'msgpack' }): void {
  const encoding = own(map, 'valueEncoding');
  const msgpack = encoding === 'msgpack';
  if (!msgpack && encoding !== undefined && encoding !== null && encoding !== 'bytes') fail(ctx, 'valueEncoding', 'must be "bytes" or "msgpack"');
  const value = readBytes(ctx, map, 'value', valueBytesMaxFor(limits, msgpack ? 'msgpack' : 'bytes'), 'value-too-large');
  if (valueBytesOf(value, msgpack ? 'msgpack' : 'bytes') > limits.valueBytesMax) fail(ctx, 'value', `is longer than ${limits.valueBytesMax} bytes`, 'value-too-large');
  out.value = value;
  if (msgpack) out.valueEncoding = 'msgpack';
}

function readOptions(ctx: FieldContext, map: WireMap): RequestOptions | undefined {
  const raw = readOptionalMap(ctx, map, 'options');
  if (raw === undefined) return undefined;
  const sub: FieldContext = { requestId: ctx.requestId, path: 'options.' };
  const out: Mutable<RequestOptions> = {};
  const r = readLevel(sub, raw, 'r');
  const w = readLevel(sub, raw, 'w');
  const timeoutMs = readOptionalInteger(sub, raw, 'timeoutMs', 1, timeoutMsMax);
  const receipt = readOptionalBoolean(sub, raw, 'receipt');
  if (r !== undefined) out.r = r;
  if (w !== undefined) out.w = w;
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (receipt !== undefined) out.receipt = receipt;
  return out;
}

function readLevel(ctx: FieldContext, map: WireMap, field: string): ConsistencyLevel | undefined {
  const value = own(map, field);
  if (value === 'one' || value === 'quorum' || value === 'all') return value;
  if (typeof value === 'string') fail(ctx, field, 'must be one, quorum, all or a count');
  return readOptionalInteger(ctx, map, field, 1, replicasMax);
}

function reply(
  ctx: FieldContext,
  map: WireMap,
  type: 'get-ok' | 'put-ok' | 'delete-ok' | 'batch-ok',
  limits: ProtocolLimits,
): Message {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  if (type === 'batch-ok') {
    const raw = readArray(ctx, map, 'results', limits.batchOpsMax);
    const results: BatchResult[] = [];
    for (let i = 0; i < raw.length; i++) results.push(batchResult({ requestId: id, path: `results[${i}].` }, raw[i], limits));
    return { type, id, results };
  }
  const receipt = readOptionalReceipt(ctx, map);
  if (type === 'get-ok') {
    const out = { type, id } as Mutable<GetOkMessage>;
    fillGetResult(ctx, map, limits, out);
    if (receipt !== undefined) out.receipt = receipt;
    return out;
  }
  const context = readBytes(ctx, map, 'context', limits.contextBytesMax, 'context-too-large');
  return receipt === undefined ? { type, id, context } : { type, id, context, receipt };
}

function batchResult(ctx: FieldContext, raw: unknown, limits: ProtocolLimits): BatchResult {
  if (!isWireMap(raw)) return fail(ctx, '', 'must be a map');
  const type = own(raw, 'type');
  switch (type) {
    case 'get-ok': {
      const out = { type } as Mutable<Extract<BatchResult, { type: 'get-ok' }>>;
      fillGetResult(ctx, raw, limits, out);
      return out;
    }
    case 'put-ok':
    case 'delete-ok':
      return { type, context: readBytes(ctx, raw, 'context', limits.contextBytesMax, 'context-too-large') };
    case 'error': {
      const { code, message } = errorBody(ctx, raw);
      return { type, code, message };
    }
    default:
      return fail(ctx, 'type', 'must be get-ok, put-ok, delete-ok or error');
  }
}

function fillGetResult(ctx: FieldContext, map: WireMap, limits: ProtocolLimits, out: Mutable<GetResult>): void {
  const found = readBoolean(ctx, map, 'found');
  const raw = readArray(ctx, map, 'siblings', limits.siblingsMax);
  const siblings: Sibling[] = [];
  let values = 0;
  for (let i = 0; i < raw.length; i++) {
    const s = sibling({ requestId: ctx.requestId, path: `${ctx.path}siblings[${i}].` }, raw[i], limits);
    if (!('tombstone' in s)) values++;
    siblings.push(s);
  }
  // `found` is redundant on purpose (a cheap check for clients), so it must agree with the siblings.
  if (found !== values > 0) fail(ctx, 'found', 'disagrees with the siblings');
  out.found = found;
  out.siblings = siblings;
  out.context = readBytes(ctx, map, 'context', limits.contextBytesMax, 'context-too-large');
}

function sibling(ctx: FieldContext, raw: unknown, limits: ProtocolLimits): Sibling {
  if (!isWireMap(raw)) return fail(ctx, '', 'must be a map');
  const tombstone = own(raw, 'tombstone');
  if (tombstone === true) {
    if (own(raw, 'value') !== undefined) fail(ctx, 'value', 'must be absent on a tombstone');
    return { tombstone: true };
  }
  if (tombstone !== undefined && tombstone !== null && tombstone !== false) fail(ctx, 'tombstone', 'must be true or absent');
  const out = {} as { value: Uint8Array; valueEncoding?: 'msgpack' };
  fillValue(ctx, raw, limits, out);
  return out;
}

function errorMessage(ctx: FieldContext, map: WireMap, limits: ProtocolLimits): Message {
  const id = readOptionalInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  const { code, message } = errorBody(ctx, map);
  const frame: Mutable<ErrorMessage> = id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message };
  const retryAfterMs = readOptionalInteger(ctx, map, 'retryAfterMs', 0, retryAfterMsMax);
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  const raw = readOptionalMap(ctx, map, 'current');
  if (raw !== undefined) {
    const current = {} as Mutable<GetResult>;
    fillGetResult({ requestId: id, path: 'current.' }, raw, limits, current);
    frame.current = current;
  }
  return frame;
}

/**
 * `code` and `message` of an error. A code this version does not know (sent
 * by a newer node) becomes `internal`, keeping the original in the message.
 */
function errorBody(ctx: FieldContext, map: WireMap): { code: ProtocolErrorCode; message: string } {
  const code = readString(ctx, map, 'code', errorCodeBytesMax);
  const message = readString(ctx, map, 'message', errorMessageBytesMax);
  if (isProtocolErrorCode(code)) return { code, message };
  return { code: 'internal', message: truncateUtf8(`[${code}] ${message}`, errorMessageBytesMax) };
}
