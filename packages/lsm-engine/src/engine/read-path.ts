/**
 * The read path: point lookups and ordered iteration over memtables and a
 * version's tables, at a snapshot sequence number.
 *
 * Invariants:
 *   1. Sources are consulted newest first: active memtable, frozen memtables
 *      (newest first), L0 tables (newest first), then L1, L2, … The first
 *      entry found for a key (with seq <= snapshot) is the answer, a tombstone
 *      meaning "absent".
 *   2. An iterator yields each user key at most once, in ascending order,
 *      with its newest value at the snapshot; tombstoned keys are skipped.
 */
import {
  compareBytes,
  KIND_PUT,
  type InternalEntry,
  type InternalIterator,
} from '../format/internal.js';
import { keyString, type Memtable } from '../memtable/memtable.js';
import { mergingIterator, type TableCache, type TableMeta } from '../sstable/index.js';
import type { Version } from './version.js';

function inRange(t: TableMeta, key: Uint8Array): boolean {
  return compareBytes(t.smallestKey, key) <= 0 && compareBytes(key, t.largestKey) <= 0;
}

/** Newest entry for `key` at `seq` across memtables (newest first) and `version` (invariant 1). */
export function lookup(
  memtables: readonly Memtable[],
  version: Version,
  tables: TableCache,
  key: Uint8Array,
  seq: number,
): InternalEntry | undefined {
  if (memtables.length > 0) {
    const skey = keyString(key);
    for (let i = 0; i < memtables.length; i++) {
      const e = (memtables[i] as Memtable).getByString(skey, seq);
      if (e) return e;
    }
  }
  for (const t of version.levels[0] ?? []) {
    if (!inRange(t, key)) continue;
    const e = tables.get(t.fileNumber, key, seq);
    if (e) return e;
  }
  for (let level = 1; level < version.levels.length; level++) {
    const t = version.tableFor(level, key);
    if (!t) continue;
    const e = tables.get(t.fileNumber, key, seq);
    if (e) return e;
  }
  return undefined;
}

/**
 * Concatenation of one level's non-overlapping tables, opening each table
 * only when the cursor reaches it, so a scan pins one table per level rather
 * than the whole level.
 */
export class LevelIterator implements InternalIterator {
  private index = -1;
  private current: InternalIterator | undefined;

  constructor(
    private readonly tables: readonly TableMeta[],
    private readonly tableCache: TableCache,
  ) {}

  seekToFirst(): void {
    this.open(0);
    this.current?.seekToFirst();
    this.skipExhausted();
  }

  seek(target: Uint8Array): void {
    let lo = 0;
    let hi = this.tables.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes((this.tables[mid] as TableMeta).largestKey, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.open(lo);
    this.current?.seek(target);
    this.skipExhausted();
  }

  valid(): boolean {
    return this.current !== undefined && this.current.valid();
  }
  next(): void {
    (this.current as InternalIterator).next();
    this.skipExhausted();
  }
  key(): Uint8Array {
    return (this.current as InternalIterator).key();
  }
  seq(): number {
    return (this.current as InternalIterator).seq();
  }
  kind(): 0 | 1 {
    return (this.current as InternalIterator).kind();
  }
  value(): Uint8Array {
    return (this.current as InternalIterator).value();
  }
  close(): void {
    this.current?.close();
    this.current = undefined;
  }

  private open(index: number): void {
    this.current?.close();
    this.current = undefined;
    this.index = index;
    const t = this.tables[index];
    if (t) this.current = this.tableCache.iterator(t.fileNumber);
  }

  private skipExhausted(): void {
    while (this.current !== undefined && !this.current.valid()) {
      this.open(this.index + 1);
      this.current?.seekToFirst();
    }
  }
}

/** A merged cursor over every source of a view, in internal order. */
export function viewIterator(memtables: readonly Memtable[], version: Version, tables: TableCache): InternalIterator {
  const children: InternalIterator[] = memtables.map((m) => m.iterator());
  for (const t of version.levels[0] ?? []) children.push(tables.iterator(t.fileNumber));
  for (let level = 1; level < version.levels.length; level++) {
    const ts = version.levels[level] as readonly TableMeta[];
    if (ts.length > 0) children.push(new LevelIterator(ts, tables));
  }
  return mergingIterator(children);
}

/** Key bounds of a scan; at most one lower and one upper bound. */
export interface Bounds {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  limit?: number;
}

function aboveUpper(key: Uint8Array, b: Bounds): boolean {
  if (b.lt && compareBytes(key, b.lt) >= 0) return true;
  return b.lte !== undefined && compareBytes(key, b.lte) > 0;
}

/**
 * User-visible (key, value) pairs of `it` at `seq` within `bounds`
 * (invariant 2). Yields copies the caller owns.
 */
export function* userEntries(it: InternalIterator, seq: number, bounds: Bounds): Generator<[Uint8Array, Uint8Array]> {
  const limit = bounds.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const lower = bounds.gte ?? bounds.gt;
  if (lower) it.seek(lower);
  else it.seekToFirst();
  let last: Uint8Array | undefined;
  let count = 0;
  for (; it.valid(); it.next()) {
    const key = it.key();
    if (aboveUpper(key, bounds)) return;
    if (it.seq() > seq) continue;
    if (last !== undefined && compareBytes(key, last) === 0) continue;
    last = key.slice();
    if (bounds.gt && compareBytes(key, bounds.gt) === 0) continue;
    if (it.kind() !== KIND_PUT) continue;
    yield [last, it.value().slice()];
    if (++count >= limit) return;
  }
}
