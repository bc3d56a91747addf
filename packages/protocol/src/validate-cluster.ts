/**
 * Schema validation of the cluster additions to the client protocol: the
 * `ring-ok` reply and the optional `receipt` of get/put/delete replies.
 * Same rules as validate.ts: fresh objects, own fields only, every string and
 * array bounded, unknown fields dropped.
 */
import { fail, isWireMap, own, readArray, readBoolean, readInteger, readOptionalInteger, readOptionalMap, readOptionalString, readString, type FieldContext, type WireMap } from './fields.js';
import { errorMessageBytesMax, nameBytesMax, receiptReplicasMax, replicasMax, requestIdMax, ringMembersMax, timeoutMsMax } from './limits.js';
import { consistencyLevels, type Message, type RingMember, type RingMemberStatus, type WireReceipt, type WireReceiptReplica } from './messages.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Weights are hashring's (≤ 64); vnodes per member hashring's too (≤ 4096). */
const weightMax = 64;
const vnodesMax = 4096;
const urlBytesMax = 1024;
const statuses: readonly RingMemberStatus[] = ['joining', 'normal', 'leaving', 'suspect', 'down'];
const roles = ['primary', 'fallback'] as const;
const outcomes = ['ack', 'error', 'timeout', 'not-sent', 'pending'] as const;

function oneOf<T extends string>(ctx: FieldContext, map: WireMap, field: string, allowed: readonly T[]): T {
  const value = own(map, field);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(ctx, field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function readWeight(ctx: FieldContext, map: WireMap): number {
  const value = own(map, 'weight');
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > weightMax) fail(ctx, 'weight', `must be a number in (0, ${weightMax}]`);
  return value;
}

function ringMember(ctx: FieldContext, raw: unknown): RingMember {
  if (!isWireMap(raw)) return fail(ctx, '', 'must be a map');
  const out: Mutable<RingMember> = {
    id: readString(ctx, raw, 'id', nameBytesMax),
    url: readString(ctx, raw, 'url', urlBytesMax),
    vnodes: readInteger(ctx, raw, 'vnodes', 1, vnodesMax),
    weight: readWeight(ctx, raw),
    zone: readString(ctx, raw, 'zone', nameBytesMax),
    status: oneOf(ctx, raw, 'status', statuses),
  };
  // Placement labels: optional, so replies of nodes that predate them still validate.
  for (const field of ['dc', 'rack', 'machine'] as const) {
    const value = readOptionalString(ctx, raw, field, nameBytesMax);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** A replication map: at most `ringMembersMax` DCs, each a name and a count in [1, replicasMax]. */
function readReplicationMap(ctx: FieldContext, map: WireMap): Record<string, number> | undefined {
  const raw = readOptionalMap(ctx, map, 'replicas');
  if (raw === undefined) return undefined;
  const entries: [string, number][] = [];
  const names = Object.keys(raw);
  if (names.length === 0 || names.length > ringMembersMax) fail(ctx, 'replicas', `must hold 1 to ${ringMembersMax} data centers`);
  for (const dc of names) {
    if (dc.length === 0 || dc.length > nameBytesMax) fail(ctx, 'replicas', `has a data center name of ${dc.length} characters`);
    entries.push([dc, readInteger({ requestId: ctx.requestId, path: 'replicas.' }, raw, dc, 1, replicasMax)]);
  }
  return Object.fromEntries(entries); // own data properties, even for a name like __proto__
}

/** A `ring-ok` reply. */
export function ringOk(ctx: FieldContext, map: WireMap): Message {
  const id = readInteger(ctx, map, 'id', 0, requestIdMax);
  ctx.requestId = id;
  const version = readInteger(ctx, map, 'version', 0, 0xffff_ffff);
  const n = readInteger(ctx, map, 'n', 1, replicasMax);
  const raw = readArray(ctx, map, 'members', ringMembersMax);
  const members: RingMember[] = [];
  for (let i = 0; i < raw.length; i++) members.push(ringMember({ requestId: id, path: `members[${i}].` }, raw[i]));
  const replicas = readReplicationMap(ctx, map);
  return replicas === undefined ? { type: 'ring-ok', id, version, n, members } : { type: 'ring-ok', id, version, n, replicas, members };
}

function readNames(ctx: FieldContext, map: WireMap, field: string): string[] {
  const raw = readArray(ctx, map, field, receiptReplicasMax);
  return raw.map((v, i) => {
    if (typeof v !== 'string' || v.length > nameBytesMax) fail(ctx, `${field}[${i}]`, `must be a string of at most ${nameBytesMax} bytes`);
    return v;
  });
}

function receiptReplica(ctx: FieldContext, raw: unknown): WireReceiptReplica {
  if (!isWireMap(raw)) return fail(ctx, '', 'must be a map');
  const out: Mutable<WireReceiptReplica> = { node: readString(ctx, raw, 'node', nameBytesMax), role: oneOf(ctx, raw, 'role', roles), outcome: oneOf(ctx, raw, 'outcome', outcomes) };
  const hintFor = readOptionalString(ctx, raw, 'hintFor', nameBytesMax);
  const dc = readOptionalString(ctx, raw, 'dc', nameBytesMax);
  if (dc !== undefined) out.dc = dc;
  const latencyMs = readOptionalInteger(ctx, raw, 'latencyMs', 0, timeoutMsMax);
  const error = readOptionalString(ctx, raw, 'error', errorMessageBytesMax);
  if (hintFor !== undefined) out.hintFor = hintFor;
  if (latencyMs !== undefined) out.latencyMs = latencyMs;
  if (error !== undefined) out.error = error;
  return out;
}

/** The optional `receipt` of a get/put/delete reply. */
export function readOptionalReceipt(parent: FieldContext, map: WireMap): WireReceipt | undefined {
  const raw = readOptionalMap(parent, map, 'receipt');
  if (raw === undefined) return undefined;
  const ctx: FieldContext = { requestId: parent.requestId, path: 'receipt.' };
  const list = readArray(ctx, raw, 'replicas', receiptReplicasMax);
  const out: Mutable<WireReceipt> = {
    coordinator: readString(ctx, raw, 'coordinator', nameBytesMax),
    forwarded: readBoolean(ctx, raw, 'forwarded'),
    op: oneOf(ctx, raw, 'op', ['get', 'put', 'delete'] as const),
    n: readInteger(ctx, raw, 'n', 1, replicasMax),
    mode: oneOf(ctx, raw, 'mode', ['sloppy', 'strict'] as const),
    replicas: list.map((r, i) => receiptReplica({ requestId: ctx.requestId, path: `receipt.replicas[${i}].` }, r)),
    siblingsReconciled: readInteger(ctx, raw, 'siblingsReconciled', 0, Number.MAX_SAFE_INTEGER),
    readRepair: readNames(ctx, raw, 'readRepair'),
    localHints: readNames(ctx, raw, 'localHints'),
    elapsedMs: readInteger(ctx, raw, 'elapsedMs', 0, Number.MAX_SAFE_INTEGER),
  };
  const r = readOptionalInteger(ctx, raw, 'r', 1, replicasMax);
  const w = readOptionalInteger(ctx, raw, 'w', 1, replicasMax);
  const level = own(raw, 'level');
  if (level !== undefined) out.level = oneOf(ctx, raw, 'level', consistencyLevels);
  if (r !== undefined) out.r = r;
  if (w !== undefined) out.w = w;
  return out;
}

