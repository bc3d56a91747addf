/**
 * Durable topology state under the `m` (metadata) prefix:
 *
 *   m ‖ "topology"              → MessagePack { self: 'joining' | 'normal' | 'leaving' | 'left' }
 *   m ‖ "stream/" ‖ range name  → MessagePack { after?: bin, done: bool }   (a join's progress per range)
 *
 * Invariants:
 *   1. Every write goes through the replica store's one write queue, after
 *      the chunk it records: a cursor is durable only once the sets before it are.
 *   2. A missing or undecodable `topology` record reads as "no record" (a
 *      fresh data directory, or one from before topology changes existed).
 */
import { Packr, Unpackr } from 'msgpackr';
import { metaKey } from '../cluster/meta.js';
import type { StorageEngine } from '../store/engine-port.js';
import type { ReplicaStore } from '../store/replica-store.js';

/** This node's own place in a topology change, as persisted. */
export type SelfState = 'joining' | 'normal' | 'leaving' | 'left';

/** The progress of one range of a join. */
export interface RangeProgress {
  readonly after: Uint8Array | undefined;
  readonly done: boolean;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const streamPrefix = 'stream/';

function decode(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return unpackr.unpack(bytes);
  } catch {
    return undefined;
  }
}

/** The persisted self state, or undefined (invariant 2). */
export function readSelf(engine: Pick<StorageEngine, 'getSync'>): SelfState | undefined {
  const value = decode(engine.getSync(metaKey('topology'))) as { self?: unknown } | undefined;
  const self = value?.self;
  return self === 'joining' || self === 'normal' || self === 'leaving' || self === 'left' ? self : undefined;
}

/** Persists the self state durably. */
export function writeSelf(store: ReplicaStore, self: SelfState): Promise<void> {
  return put(store, metaKey('topology'), packr.pack({ self }));
}

/** The progress of range `name` (none yet: from the start). */
export function readProgress(engine: Pick<StorageEngine, 'getSync'>, name: string): RangeProgress {
  const value = decode(engine.getSync(metaKey(streamPrefix + name))) as { after?: unknown; done?: unknown } | undefined;
  return { after: value?.after instanceof Uint8Array ? value.after : undefined, done: value?.done === true };
}

/** Persists the progress of range `name`. */
export function writeProgress(store: ReplicaStore, name: string, progress: RangeProgress): Promise<void> {
  return put(store, metaKey(streamPrefix + name), packr.pack(progress.after === undefined ? { done: progress.done } : { after: progress.after, done: progress.done }));
}

/** Deletes every range progress record (a join finished). */
export async function clearProgress(store: ReplicaStore, engine: Pick<StorageEngine, 'iterate'>): Promise<void> {
  const low = metaKey(streamPrefix);
  const high = metaKey(streamPrefix.slice(0, -1) + String.fromCharCode(streamPrefix.charCodeAt(streamPrefix.length - 1) + 1));
  const keys = [...engine.iterate({ gte: low, lt: high })].map(([k]) => k);
  await Promise.all(keys.map((skey) => put(store, skey, undefined)));
}

function put(store: ReplicaStore, skey: Uint8Array, encoded: Uint8Array | undefined): Promise<void> {
  return store.mutate<undefined, void>({ skey, load: () => undefined, step: () => ({ next: undefined, encoded, result: undefined }) });
}

/**
 * The status a node's gossip starts with: joining when asked to join (the
 * node's `TopologySettings.join`) and its data directory never finished a
 * join. A node whose directory records an unfinished leave starts gossiping
 * `normal` and resumes the leave once it sees the cluster again
 * (`TopologyService.start`).
 */
export function initialSelf(engine: Pick<StorageEngine, 'getSync'>, settings: { readonly join: boolean }): 'joining' | 'normal' {
  const stored = readSelf(engine);
  if (stored === 'joining') return 'joining';
  if (stored === 'normal' || stored === 'leaving') return 'normal';
  return settings.join ? 'joining' : 'normal';
}
