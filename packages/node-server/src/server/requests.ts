/**
 * One client request → one reply, over the replica store.
 *
 * Invariants:
 *   1. Never throws: every failure becomes an `error` reply carrying the
 *      request id (or, inside a batch, an `error` result in the op's place).
 *   2. A single node is the only replica (N = 1): consistency levels 'one',
 *      'quorum', 'all' and 1 are met by it; a count above 1 is refused with
 *      `unavailable` rather than silently weakened.
 */
import {
  errorFrame,
  protocolError,
  type BatchOp,
  type BatchRequest,
  type BatchResult,
  type ClientRequest,
  type ConsistencyLevel,
  type NodeReply,
  type RequestOptions,
  type WireCodec,
} from '@ringkv/protocol';
import { toProtocolError } from '../store/failures.js';
import type { ReplicaStore } from '../store/replica-store.js';

function checkLevel(name: 'r' | 'w', level: ConsistencyLevel | undefined): void {
  if (typeof level === 'number' && level > 1) {
    throw protocolError('unavailable', `${name}=${level} cannot be met: this node runs alone (N = 1)`);
  }
}

function checkOptions(options: RequestOptions | undefined): void {
  if (options === undefined) return;
  checkLevel('r', options.r);
  checkLevel('w', options.w);
}

/** A put's value must be well-formed MessagePack when it says so (scanned, not decoded). */
function checkPutValue(codec: WireCodec, value: Uint8Array, msgpack: boolean): void {
  if (!msgpack) return;
  const problem = codec.checkValue(value, 'msgpack');
  if (problem !== undefined) throw problem;
}

async function runOp(store: ReplicaStore, codec: WireCodec, op: BatchOp): Promise<BatchResult> {
  switch (op.type) {
    case 'get':
      return { type: 'get-ok', ...store.read(op.key) };
    case 'put': {
      const msgpack = op.valueEncoding === 'msgpack';
      checkPutValue(codec, op.value, msgpack);
      return { type: 'put-ok', context: await store.write(op.key, op.context, op.value, msgpack) };
    }
    case 'delete':
      return { type: 'delete-ok', context: await store.write(op.key, op.context, undefined, false) };
  }
}

async function runBatchOp(store: ReplicaStore, codec: WireCodec, op: BatchOp): Promise<BatchResult> {
  try {
    return await runOp(store, codec, op);
  } catch (error) {
    const e = toProtocolError(error);
    return { type: 'error', code: e.code, message: errorFrame(e).message };
  }
}

async function runBatch(store: ReplicaStore, codec: WireCodec, request: BatchRequest): Promise<NodeReply> {
  const results = await Promise.all(request.ops.map((op) => runBatchOp(store, codec, op)));
  return { type: 'batch-ok', id: request.id, results };
}

async function run(store: ReplicaStore, codec: WireCodec, request: ClientRequest): Promise<NodeReply> {
  checkOptions(request.options);
  switch (request.type) {
    case 'get':
      return { type: 'get-ok', id: request.id, ...store.read(request.key) };
    case 'put': {
      const msgpack = request.valueEncoding === 'msgpack';
      checkPutValue(codec, request.value, msgpack);
      return { type: 'put-ok', id: request.id, context: await store.write(request.key, request.context, request.value, msgpack) };
    }
    case 'delete':
      return { type: 'delete-ok', id: request.id, context: await store.write(request.key, request.context, undefined, false) };
    case 'batch':
      return runBatch(store, codec, request);
  }
}

/** The reply to `request`; a failure is an `error` reply with the request's id. */
export async function handleRequest(store: ReplicaStore, codec: WireCodec, request: ClientRequest): Promise<NodeReply> {
  try {
    return await run(store, codec, request);
  } catch (error) {
    return errorFrame(toProtocolError(error), request.id);
  }
}
