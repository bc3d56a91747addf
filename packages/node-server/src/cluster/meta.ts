/**
 * Node metadata records under the `m` prefix: `m ‖ name` → MessagePack value.
 * The generation (`m ‖ generation`) is read and incremented durably before
 * gossip starts, so every restart announces a higher generation than any
 * before it (gossip's rule for telling a restart from an old message).
 *
 * The incarnation (`m ‖ incarnation`) names the vclock actor this data
 * directory writes as. A node's next dot for a key is derived from what it
 * stores; a node that lost writes it had already sent to other replicas (a
 * wiped disk, or a crash before its own copy of a write was durable) would
 * issue the same dot again for a different version, and DVV sync treats
 * equal dots as the same version: an acknowledged write would vanish. So:
 *   1. after a clean stop (every write settled, then the record marked
 *      clean) the node keeps its actor;
 *   2. after anything else (a crash, a wiped or new directory) it takes a new
 *      epoch and writes as `id#epoch`: dots never seen before. The epoch is
 *      the start's clock in ms × 1024 plus 10 random bits, so two
 *      incarnations of one id (a disk wiped and the node restarted within
 *      the same second, or a clock set back) still differ. Riak's vnode
 *      epochs solve the same problem.
 *   3. the record is stored unclean, durably, before the node serves.
 *
 * The cluster settings (`m ‖ cluster-settings`, cluster/agreement.ts) are
 * stored once agreed, before the node serves; a restart runs with them.
 */
import { Packr, Unpackr } from 'msgpackr';
import type { ReplicaStore } from '../store/replica-store.js';
import { checkRecord, type SettingsRecord } from './agreement.js';

/** Prefix of metadata records. */
export const metaPrefix = 0x6d; // 'm'

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** The engine key of metadata record `name`. */
export function metaKey(name: string): Uint8Array {
  const bytes = Buffer.from(name, 'utf8');
  const out = new Uint8Array(1 + bytes.length);
  out[0] = metaPrefix;
  out.set(bytes, 1);
  return out;
}

/** What `m ‖ incarnation` holds. */
export interface Incarnation {
  /** 0: the node writes as its bare id (first start before incarnations existed is never 0; see `openIncarnation`). */
  readonly epoch: number;
  readonly clean: boolean;
}

/** The vclock actor of node `id` in incarnation `epoch`. Node ids cannot contain `#` (options.ts), so actors never collide. */
export function actorOf(id: string, epoch: number): string {
  return epoch === 0 ? id : `${id}#${epoch.toString(36)}`;
}

/** The stored incarnation, if any (read before the store exists). */
export function readIncarnation(get: (key: Uint8Array) => Uint8Array | undefined): Incarnation | undefined {
  const stored = get(metaKey('incarnation'));
  if (stored === undefined) return undefined;
  const value = unpackr.unpack(stored) as { e?: unknown; c?: unknown } | null;
  if (value === null || typeof value !== 'object' || typeof value.e !== 'number' || !Number.isSafeInteger(value.e) || value.e < 0) return undefined;
  return { epoch: value.e, clean: value.c === true };
}

/** A fresh epoch (invariant 2): `nowMs × 1024 + ⌊random × 1024⌋`, at least 1. */
export function freshEpoch(nowMs: number, random: number): number {
  return Math.max(1, Math.floor(nowMs) * 1024 + Math.floor(random * 1024));
}

/** The incarnation this start writes as (invariants 1 and 2 of the module comment); `fresh` is a `freshEpoch`. */
export function nextIncarnation(previous: Incarnation | undefined, fresh: number): Incarnation {
  if (previous !== undefined && previous.clean) return { epoch: previous.epoch, clean: false };
  return { epoch: previous !== undefined && previous.epoch === fresh ? fresh + 1 : fresh, clean: false };
}

/** Stores `incarnation` durably (unclean at start, clean at a graceful stop). */
export function writeIncarnation(store: ReplicaStore, incarnation: Incarnation): Promise<void> {
  return store.mutate<Incarnation, void>({
    skey: metaKey('incarnation'),
    load: () => incarnation,
    step: () => ({ next: incarnation, encoded: packr.pack({ e: incarnation.epoch, c: incarnation.clean }), result: undefined }),
  });
}

/** A counter record `m ‖ name` (0 when absent or not a counter). */
function readCounter(get: (key: Uint8Array) => Uint8Array | undefined, name: string): number {
  const stored = get(metaKey(name));
  const value: unknown = stored === undefined ? 0 : unpackr.unpack(stored);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Stores the counter record `m ‖ name` durably. */
function writeCounter(store: ReplicaStore, name: string, value: number): Promise<void> {
  return store.mutate<number, void>({
    skey: metaKey(name),
    load: () => value,
    step: () => ({ next: value, encoded: packr.pack(value), result: undefined }),
  });
}

/** The generation the last start stored (0 on a fresh data directory). */
export function readGeneration(get: (key: Uint8Array) => Uint8Array | undefined): number {
  return readCounter(get, 'generation');
}

/**
 * The most members owning tokens this directory's node has seen in its ring
 * (`m ‖ members-seen`, 0 when never stored): the floor of its effective N
 * (cluster/core.ts), so a node restarted alone in a cluster of three does
 * not take writes as a cluster of one.
 */
export function readMembersSeen(get: (key: Uint8Array) => Uint8Array | undefined): number {
  return readCounter(get, 'members-seen');
}

/** Stores a new members-seen high-water mark. */
export function writeMembersSeen(store: ReplicaStore, count: number): Promise<void> {
  return writeCounter(store, 'members-seen', count);
}

/**
 * This start's generation: the previous one + 1, and never below the
 * wall-clock seconds either, so a data dir restored from an old backup (or a
 * wiped one) still restarts "newer".
 */
export function nextGenerationAfter(previous: number, nowMs: number): number {
  return Math.max(previous + 1, Math.floor(nowMs / 1000));
}

/** Stores this start's generation durably. */
export function writeGeneration(store: ReplicaStore, generation: number): Promise<void> {
  return writeCounter(store, 'generation', generation);
}

/** The cluster settings record this data directory agreed to (`m ‖ cluster-settings`; cluster/agreement.ts), if any. */
export function readSettingsRecord(get: (key: Uint8Array) => Uint8Array | undefined): SettingsRecord | undefined {
  const stored = get(metaKey('cluster-settings'));
  return stored === undefined ? undefined : checkRecord(unpackr.unpack(stored));
}

/** Stores the agreed cluster settings record durably (before the node serves: a restart runs with it). */
export function writeSettingsRecord(store: ReplicaStore, record: SettingsRecord): Promise<void> {
  return store.mutate<SettingsRecord, void>({
    skey: metaKey('cluster-settings'),
    load: () => record,
    step: () => ({ next: record, encoded: packr.pack({ values: { ...record.values }, origin: record.origin, foundedAtMs: record.foundedAtMs }), result: undefined }),
  });
}

/** What `m ‖ log-loss` holds while a repair of writes the log lost is pending (store/log-loss.ts). */
export interface LogLossRecord {
  /** When the loss was found (epoch ms). */
  sinceMs: number;
  /** Writes lost (a lower bound unless exact) and bytes, as the engine reported them. */
  droppedOps: number;
  droppedBytes: number;
}

/** The pending log-loss repair, if any. */
export function readLogLoss(get: (key: Uint8Array) => Uint8Array | undefined): LogLossRecord | undefined {
  const stored = get(metaKey('log-loss'));
  const value: unknown = stored === undefined ? undefined : unpackr.unpack(stored);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['s'] !== 'number') return undefined;
  return { sinceMs: v['s'], droppedOps: Number(v['o'] ?? 0), droppedBytes: Number(v['b'] ?? 0) };
}

/** Stores (or, with `undefined`, clears: a repair completed) the pending log-loss repair, durably. */
export function writeLogLoss(store: ReplicaStore, record: LogLossRecord | undefined): Promise<void> {
  const encoded = packr.pack(record === undefined ? null : { s: record.sinceMs, o: record.droppedOps, b: record.droppedBytes });
  return store.mutate<LogLossRecord | undefined, void>({
    skey: metaKey('log-loss'),
    load: () => record,
    step: () => ({ next: record, encoded, result: undefined }),
  });
}
