/**
 * Node metadata records under the `m` prefix: `m ‖ name` → MessagePack value.
 * The generation (`m ‖ generation`) is read and incremented durably before
 * gossip starts, so every restart announces a higher generation than any
 * before it (gossip's rule for telling a restart from an old message).
 */
import { Packr, Unpackr } from 'msgpackr';
import type { ReplicaStore } from '../store/replica-store.js';

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

/** The previous generation + 1 (at least `nowMs` in seconds), stored durably before it resolves. */
export function nextGeneration(store: ReplicaStore, nowMs: number): Promise<number> {
  const skey = metaKey('generation');
  return store.mutate<number, number>({
    skey,
    load: (stored) => {
      const value: unknown = stored === undefined ? 0 : unpackr.unpack(stored);
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
    },
    step: (current) => {
      // Never below the wall-clock seconds either: a data dir restored from an old backup still restarts "newer".
      const next = Math.max(current + 1, Math.floor(nowMs / 1000));
      return { next, encoded: packr.pack(next), result: next };
    },
  });
}
