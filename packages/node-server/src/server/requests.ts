/**
 * One client request → one reply, through the cluster core.
 *
 * Invariants:
 *   1. Never throws: every failure becomes an `error` reply carrying the
 *      request id (or, inside a batch, an `error` result in the op's place).
 *   2. Gets, puts and deletes go through the cluster core (forwarded to a
 *      replica when this node holds no copy of the key's writes; coordinated
 *      by quorum otherwise); a batch runs each op so, with the batch's options.
 *   3. A `ring` request is answered from this node's current view; a `scan`
 *      page is coordinated by this node (scan/key-scan.ts).
 *   4. A get on a lone node (N = 1, no receipt) is answered synchronously,
 *      with the same reply (or error) the coordinated path would give.
 */
import { errorFrame, type BatchOp, type BatchRequest, type BatchResult, type ClientRequest, type NodeReply, type WireCodec } from '@ringkv/protocol';
import type { ClusterCore } from '../cluster/core.js';
import { toProtocolError } from '../store/failures.js';

/** A put's value must be well-formed MessagePack when it says so (scanned, not decoded). */
function checkPutValue(codec: WireCodec, op: BatchOp): void {
  if (op.type !== 'put' || op.valueEncoding !== 'msgpack') return;
  const problem = codec.checkValue(op.value, 'msgpack');
  if (problem !== undefined) throw problem;
}

async function runBatchOp(cluster: ClusterCore, codec: WireCodec, op: BatchOp, request: BatchRequest): Promise<BatchResult> {
  try {
    checkPutValue(codec, op);
    const { receipt: _receipt, ...reply } = (await cluster.run(op, request.options, false)) as BatchResult & { receipt?: unknown };
    return reply;
  } catch (error) {
    const e = toProtocolError(error);
    return { type: 'error', code: e.code, message: errorFrame(e).message };
  }
}

async function run(cluster: ClusterCore, codec: WireCodec, request: ClientRequest): Promise<NodeReply> {
  switch (request.type) {
    case 'ring':
      const map = cluster.settings.replicas;
      const replicas = map === undefined || typeof map === 'number' ? {} : { replicas: map };
      return { type: 'ring-ok', id: request.id, version: cluster.view.version, n: cluster.settings.n, ...replicas, members: cluster.view.ringMembers() };
    case 'scan':
      return { ...(await cluster.scan(request)), id: request.id };
    case 'batch':
      return { type: 'batch-ok', id: request.id, results: await Promise.all(request.ops.map((op) => runBatchOp(cluster, codec, op, request))) };
    default:
      checkPutValue(codec, request);
      return { ...(await cluster.run(request, request.options, false)), id: request.id } as NodeReply;
  }
}

/**
 * The reply to `request`; a failure is an `error` reply with the request's id.
 * A get a lone node answers from its store comes back as a value, not a
 * promise (invariant 4): no promise chain for the commonest request.
 */
export function handleRequest(cluster: ClusterCore, codec: WireCodec, request: ClientRequest): NodeReply | Promise<NodeReply> {
  if (request.type === 'get') {
    try {
      const now = cluster.readNow(request, request.options);
      if (now !== undefined) return { ...now, id: request.id } as NodeReply;
    } catch (error) {
      return errorFrame(toProtocolError(error), request.id);
    }
  }
  return handleLater(cluster, codec, request);
}

async function handleLater(cluster: ClusterCore, codec: WireCodec, request: ClientRequest): Promise<NodeReply> {
  try {
    return await run(cluster, codec, request);
  } catch (error) {
    return errorFrame(toProtocolError(error), request.id);
  }
}
