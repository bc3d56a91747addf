/**
 * The dashboard's key inspector: `GET /dashboard/key?key=<text>` (or
 * `?hex=<bytes in hex>`) answers where a key lives and what each replica
 * holds for it:
 *
 *   { key, keyHex, position, n, preferenceList: [{node, status, down}],
 *     pending: [node…],
 *     replicas: [{node, ok: true, siblings, context} | {node, ok: false, code, message}],
 *     read: {ok: true, found, siblings, context, receipt} | {ok: false, code, message} }
 *
 * where a sibling is `{dot?: {actor, counter}, tombstone, bytes, encoding, preview, truncated}`
 * and a context is `{actor: counter}`.
 *
 * Invariants:
 *   1. Replicas are read (a peer `fetch` each, or this node's store) before
 *      the read at R = all, so what it shows per replica is what each held
 *      before that read's read repair brought them together.
 *   2. It writes nothing itself; the read at R = all may start read repairs,
 *      as any read does.
 *   3. Every call has the deadline `inspectorTimeoutMs`; a replica that does
 *      not answer is shown with its error, and the answer never waits longer.
 *   4. A value is shown up to `inspectorValuePreviewBytes` characters: a
 *      MessagePack value (the SDK's strings and objects) as JSON when it is
 *      at most `inspectorDecodeBytesMax` bytes, raw bytes as UTF-8 text when
 *      they decode as such, else hex; its full length in bytes is given.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Unpackr } from 'msgpackr';
import { hashKey, positionToHex } from '@ringkv/hashring';
import { isProtocolError, type Key, type Sibling as WireSibling } from '@ringkv/protocol';
import { context, decodeContext, toObject, values, type DvvSet } from '@ringkv/vclock';
import type { InspectedSibling } from '@ringkv/dashboard';
import type { ServerContext } from '../server/context.js';
import { decodeSet, type StoredValue } from '../store/set-codec.js';
import { sendError, sendJson } from './admin.js';
import { keyBytesMax } from '../limits.js';
import { inspectorDecodeBytesMax, inspectorTimeoutMs, inspectorValuePreviewBytes } from './dashboard-limits.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Invariant 4: a value's preview. */
export function previewOf(value: Uint8Array, msgpack: boolean): Omit<InspectedSibling, 'dot' | 'tombstone'> {
  const head = value.subarray(0, inspectorValuePreviewBytes);
  const truncated = value.length > head.length;
  const hex = (): string => Buffer.from(head).toString('hex');
  if (msgpack) {
    const json = value.length <= inspectorDecodeBytesMax ? msgpackJson(value) : undefined;
    if (json === undefined) return { bytes: value.length, encoding: 'hex', preview: hex(), truncated };
    return { bytes: value.length, encoding: 'msgpack', preview: json.slice(0, inspectorValuePreviewBytes), truncated: json.length > inspectorValuePreviewBytes };
  }
  try {
    // A cut in the middle of a multi-byte character is not a reason to show hex: end the preview before it.
    let end = head.length;
    while (truncated && end > 0 && ((value[end] as number) & 0xc0) === 0x80) end--;
    const text = utf8.decode(value.subarray(0, end));
    if (!/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { bytes: value.length, encoding: 'utf8', preview: text, truncated };
  } catch {
    // not UTF-8: hex below
  }
  return { bytes: value.length, encoding: 'hex', preview: hex(), truncated };
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'string' });

/** A MessagePack value as JSON text (bytes as `{"bytes":"<hex>"}`), or undefined when it does not decode. */
function msgpackJson(value: Uint8Array): string | undefined {
  try {
    // `this[key]` is the value before Buffer's toJSON turned it into a byte list.
    return JSON.stringify(unpackr.unpack(value), function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return raw instanceof Uint8Array ? { bytes: Buffer.from(raw).toString('hex') } : v;
    });
  } catch {
    return undefined;
  }
}

function storedSiblings(set: DvvSet<StoredValue>): InspectedSibling[] {
  return values(set).map((s) => {
    if (s.tombstone) return { dot: { actor: s.dot.actor, counter: s.dot.counter }, tombstone: true, bytes: 0, encoding: 'utf8' as const, preview: '', truncated: false };
    const msgpack = !(s.value instanceof Uint8Array);
    const bytes = s.value instanceof Uint8Array ? s.value : s.value.m;
    return { dot: { actor: s.dot.actor, counter: s.dot.counter }, tombstone: false, ...previewOf(bytes, msgpack) };
  });
}

function wireSiblings(siblings: readonly WireSibling[]): InspectedSibling[] {
  return siblings.map((s) =>
    'tombstone' in s ? { tombstone: true, bytes: 0, encoding: 'utf8' as const, preview: '', truncated: false } : { tombstone: false, ...previewOf(s.value, s.valueEncoding === 'msgpack') },
  );
}

function failure(error: unknown): { ok: false; code: string; message: string } {
  return { ok: false, code: isProtocolError(error) ? error.code : 'internal', message: (error as Error).message };
}

/** The key of the query: `key` (text) or `hex` (bytes), or what is wrong with it. */
export function keyOfQuery(q: URLSearchParams, keyBytesMax: number): { readonly key: Key } | { readonly error: string } {
  const text = q.get('key');
  const hex = q.get('hex');
  if ((text === null) === (hex === null)) return { error: 'give the key as ?key=<text> or as ?hex=<bytes in hex>, one of them' };
  let key: Key;
  if (hex !== null) {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return { error: 'hex must be an even number of hex digits, at least two' };
    key = new Uint8Array(Buffer.from(hex, 'hex'));
  } else key = text as string;
  const bytes = typeof key === 'string' ? Buffer.byteLength(key) : key.length;
  if (bytes === 0 || bytes > keyBytesMax) return { error: `the key must be 1 to ${keyBytesMax} bytes, got ${bytes}` };
  return { key };
}

/** Reads one replica's stored set (invariant 1); this node's own from its store. */
async function replicaOf(ctx: ServerContext, node: string, key: Key): Promise<unknown> {
  const cluster = ctx.cluster;
  try {
    let set: DvvSet<StoredValue> | undefined;
    if (node === ctx.options.id) set = ctx.store.readSet(key);
    else {
      const address = cluster?.view.addressOf(node);
      if (address === undefined || ctx.peers === undefined) return { node, ok: false, code: 'unavailable', message: `no address known for ${node}` };
      const reply = await ctx.peers.call(address, { type: 'fetch', key }, inspectorTimeoutMs);
      if (reply.type !== 'fetch-ok') return { node, ok: false, code: 'internal', message: `${node} answered fetch with ${reply.type}` };
      set = reply.set === undefined ? undefined : decodeSet(reply.set);
    }
    return { node, ok: true, siblings: set === undefined ? [] : storedSiblings(set), context: set === undefined ? {} : toObject(context(set)) };
  } catch (error) {
    return { node, ...failure(error) };
  }
}

/** `GET /dashboard/key` (module comment). Answers 400 for a bad key, 503 while the cluster is not up. */
export async function inspectKey(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const cluster = ctx.cluster;
  if (cluster === undefined || ctx.stopping) return sendError(res, 503, 'stopping', 'the node is stopping (or not serving yet)');
  const query = keyOfQuery(new URL(req.url ?? '/', 'http://node').searchParams, keyBytesMax);
  if ('error' in query) return sendError(res, 400, 'bad-request', query.error);
  const { key } = query;
  const n = cluster.effectiveN();
  const list = cluster.view.ring.preferenceList(key, n);
  const status = new Map(cluster.view.snapshot().map((m) => [m.id, m.status]));
  const replicas = await Promise.all(list.map((node) => replicaOf(ctx, node, key)));
  let read: unknown;
  try {
    const reply = await cluster.run({ type: 'get', key }, { r: 'all', receipt: true, timeoutMs: inspectorTimeoutMs }, false);
    if (reply.type !== 'get-ok') throw new Error(`the read answered ${reply.type}`);
    read = { ok: true, found: reply.found, siblings: wireSiblings(reply.siblings), context: toObject(decodeContext(reply.context)), receipt: reply.receipt };
  } catch (error) {
    read = failure(error);
  }
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  sendJson(res, 200, {
    key: typeof key === 'string' ? key : null, keyHex: bytes.toString('hex'), position: positionToHex(hashKey(key)), n,
    preferenceList: list.map((node) => ({ node, status: status.get(node) ?? 'unknown', down: cluster.view.down.has(node) })),
    pending: cluster.view.pendingReplicas(key, n),
    replicas, read,
  });
}
