/**
 * The durable HintStore of @ringkv/quorum over the node's storage engine.
 *
 * Layout (docs/architecture.md, "Data model", storage key layout):
 *   key   = 'h' ‖ XXH64(target) (8 bytes) ‖ position (8 bytes, XXH64 of the key) ‖ key bytes
 *   value = MessagePack { t: target, k: key bytes, s: storedAtMs, set: encoded sibling set }
 * The target is hashed (not spelled out) so that every hint key has a fixed
 * 17-byte overhead (limits.ts `hintKeyOverheadBytes`, within the engine's key
 * bound the node opens it with): a target's hints are still one key range, in
 * ring order. The value holds the full target and key.
 *
 * Concurrency model: every put and delete is a read-modify-write through the
 * replica store's one write queue (ReplicaStore.mutate), so a hint that grows
 * while HintedHandoff replays it is never lost (the conditional delete sees
 * the grown set).
 *
 * Invariants:
 *   1. A put resolves only once the hint is in the engine (durability as the
 *      node's writes); a restart keeps every hint (the store is the state).
 *   2. `counts` equals the number of stored hints per target: built by one
 *      scan at open, then kept by put (new key) and delete.
 *   3. A hint key names exactly one (target hash, key); a stored record whose
 *      key differs from the one asked for (a target-hash collision) is
 *      refused rather than merged.
 */
import { hashKeyInto, positionBytes } from '@ringkv/hashring';
import type { HintStore, Key, StoredHint } from '@ringkv/quorum';
import { context, equals, sync, type DvvSet } from '@ringkv/vclock';
import { Packr, Unpackr } from 'msgpackr';
import { NodeServerError } from '../errors.js';
import type { StorageEngine } from '../store/engine-port.js';
import { keyBytes } from '../store/keys.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { decodeSet, encodeSet, type StoredSet, type StoredValue } from '../store/set-codec.js';

/** Prefix of hint records. */
export const hintPrefix = 0x68; // 'h'

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const targetPrefixes = new Map<string, Uint8Array>();

/** 'h' ‖ XXH64(target): the start of a target's range. */
function targetPrefix(target: string): Uint8Array {
  let p = targetPrefixes.get(target);
  if (p === undefined) {
    p = new Uint8Array(1 + positionBytes);
    p[0] = hintPrefix;
    hashKeyInto(target, p, 1);
    if (targetPrefixes.size < 4096) targetPrefixes.set(target, p);
  }
  return p;
}

/** The first key after every key starting with `prefix` (prefix + 1 in the last byte that is not 0xff). */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0xff, 0xff]);
}

/** The engine key of the hint of `key` for `target`. */
export function hintKey(target: string, key: Key): Uint8Array {
  const prefix = targetPrefix(target);
  const bytes = keyBytes(key);
  // hintKeyOverheadBytes (limits.ts) must match this layout.
  const out = new Uint8Array(prefix.length + positionBytes + bytes.length);
  out.set(prefix, 0);
  hashKeyInto(bytes, out, prefix.length);
  out.set(bytes, prefix.length + positionBytes);
  return out;
}

/** A decoded hint record. */
export interface HintRecord {
  readonly target: string;
  readonly key: Uint8Array;
  readonly storedAtMs: number;
  readonly set: StoredSet;
}

/** The stored bytes of a hint record. */
export function encodeHintRecord(r: HintRecord): Uint8Array {
  return packr.pack({ t: r.target, k: r.key, s: r.storedAtMs, set: encodeSet(r.set) });
}

/** Decodes and validates a stored hint record; throws NodeServerError('corrupt-record'). */
export function decodeHintRecord(bytes: Uint8Array): HintRecord {
  let raw: { t?: unknown; k?: unknown; s?: unknown; set?: unknown } | undefined;
  try {
    raw = unpackr.unpack(bytes) as typeof raw;
  } catch (error) {
    throw new NodeServerError('corrupt-record', 'a stored hint is not MessagePack', { cause: error });
  }
  if (typeof raw?.t !== 'string' || !(raw.k instanceof Uint8Array) || typeof raw.s !== 'number' || !(raw.set instanceof Uint8Array)) {
    throw new NodeServerError('corrupt-record', 'a stored hint does not decode');
  }
  return { target: raw.t, key: raw.k, storedAtMs: raw.s, set: decodeSet(raw.set) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Hints in the engine under the `h` prefix.
 *
 * When to use: one per node, shared by the coordinator (hints it keeps), the
 * replica handler (hints a fallback stores) and HintedHandoff (replay).
 * Gotcha: call `open()` once before use; it counts the stored hints.
 */
export class EngineHintStore implements HintStore<StoredValue> {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly engine: StorageEngine,
    private readonly store: ReplicaStore,
  ) {}

  /** Counts the hints already stored (a restart keeps them). Corrupt records are counted under their key's target slot only if readable. */
  open(): void {
    for (const [, value] of this.engine.iterate({ gte: new Uint8Array([hintPrefix]), lt: new Uint8Array([hintPrefix + 1]) })) {
      try {
        const r = decodeHintRecord(value);
        this.counts.set(r.target, (this.counts.get(r.target) ?? 0) + 1);
      } catch {
        // A corrupt hint is skipped (never replayed); anti-entropy covers its key.
      }
    }
  }

  /** The hint held for (target, key), for a fallback answering a read. */
  get(target: string, key: Key): StoredSet | undefined {
    const stored = this.engine.getSync(hintKey(target, key));
    if (stored === undefined) return undefined;
    const r = decodeHintRecord(stored);
    return sameBytes(r.key, keyBytes(key)) ? r.set : undefined;
  }

  put(target: string, key: Key, set: DvvSet<StoredValue>, storedAtMs: number): Promise<void> {
    const bytes = keyBytes(key);
    return this.store.mutate<HintRecord | undefined, void>({
      skey: hintKey(target, key),
      load: (stored) => (stored === undefined ? undefined : decodeHintRecord(stored)),
      step: (current) => {
        if (current !== undefined && !sameBytes(current.key, bytes)) {
          throw new NodeServerError('corrupt-record', 'a stored hint under this key belongs to another key; the newer hint is refused');
        }
        const next: HintRecord = {
          target,
          key: bytes,
          storedAtMs: Math.max(storedAtMs, current?.storedAtMs ?? 0),
          set: current === undefined ? set : sync(current.set, set),
        };
        if (current === undefined) this.bump(target, 1);
        return { next, encoded: encodeHintRecord(next), result: undefined };
      },
    });
  }

  async list(target: string, limit: number, after?: Key): Promise<readonly StoredHint<StoredValue>[]> {
    const prefix = targetPrefix(target);
    const bounds = after === undefined ? { gte: prefix, lt: prefixEnd(prefix), limit } : { gt: hintKey(target, after), lt: prefixEnd(prefix), limit };
    const out: StoredHint<StoredValue>[] = [];
    for (const [, value] of this.engine.iterate(bounds)) {
      let r: HintRecord;
      try {
        r = decodeHintRecord(value);
      } catch {
        continue;
      }
      if (r.target === target) out.push({ target, key: r.key, set: r.set, storedAtMs: r.storedAtMs });
    }
    return out;
  }

  delete(target: string, key: Key, sent?: DvvSet<StoredValue>): Promise<boolean> {
    return this.store.mutate<HintRecord | undefined, boolean>({
      skey: hintKey(target, key),
      load: (stored) => (stored === undefined ? undefined : decodeHintRecord(stored)),
      step: (current) => {
        // A delete that finds nothing, or a hint that grew since it was sent, keeps what is stored.
        if (current === undefined || (sent !== undefined && !equals(context(current.set), context(sent)))) {
          return { next: current, encoded: current === undefined ? undefined : encodeHintRecord(current), result: false };
        }
        this.bump(target, -1);
        return { next: undefined, encoded: undefined, result: true };
      },
    });
  }

  async targets(): Promise<readonly string[]> {
    return [...this.counts.keys()];
  }

  async count(): Promise<number> {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Hints pending per target (for /status and /metrics). */
  countsByTarget(): ReadonlyMap<string, number> {
    return this.counts;
  }

  private bump(target: string, by: number): void {
    const n = (this.counts.get(target) ?? 0) + by;
    if (n <= 0) this.counts.delete(target);
    else this.counts.set(target, n);
  }
}
