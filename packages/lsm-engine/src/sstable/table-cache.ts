/**
 * A bounded set of open `TableReader`s (LRU), so an engine with thousands of
 * tables keeps only `maxOpenTables` file handles and decoded indexes.
 *
 * Invariants:
 *   1. At most `maxOpenTables` readers are in the cache after any call
 *      returns. A reader evicted while iterators still use it stays open
 *      (outside the count) until the last of them closes: an iterator never
 *      sees its file closed under it.
 *   2. `refs` of an entry = open iterators on it; a reader is closed exactly
 *      once, when it is out of the cache and `refs` is 0.
 *   3. `evict(n)` (table deleted) also drops the table's blocks from the
 *      block cache.
 *
 * Concurrency: synchronous. A point lookup does not take a reference: it
 * completes before anything else can evict the reader.
 */
import type { Vfs } from '../vfs/vfs.js';
import type { InternalEntry, InternalIterator } from '../format/internal.js';
import type { BlockCache } from './block-cache.js';
import { TableReader } from './table-reader.js';

interface Handle {
  readonly fileNumber: number;
  readonly reader: TableReader;
  refs: number;
  cached: boolean;
  /** Value of the cache's use counter at the last use: the smallest is the least recently used. */
  lastUse: number;
}

/**
 * LRU cache of open tables with reference-counted iterators.
 *
 * When to use: one per engine; every read of a table goes through it.
 * Details: a table is opened (and validated) on first use; `iterator()` pins
 * it until the iterator is closed.
 * Gotchas: an iterator that is never closed pins its file forever; `close()`
 * closes the readers no iterator uses and leaves the rest to their iterators.
 */
export class TableCache {
  /**
   * Open tables. Recency is a use counter stamped on each hit rather than Map
   * order, so a hit costs one lookup; finding the least recently used table
   * scans the map, which happens only when a table is opened.
   */
  private readonly open = new Map<number, Handle>();
  private uses = 0;

  constructor(
    private readonly vfs: Vfs,
    private readonly pathOf: (fileNumber: number) => string,
    private readonly maxOpenTables: number,
    private readonly blockCache: BlockCache,
  ) {
    if (!(maxOpenTables >= 1)) throw new RangeError('maxOpenTables must be >= 1');
  }

  /** Point lookup in one table: newest entry for `key` with seq <= `snapshotSeq`. */
  get(fileNumber: number, key: Uint8Array, snapshotSeq: number): InternalEntry | undefined {
    return this.acquire(fileNumber).reader.get(key, snapshotSeq);
  }

  /** The open reader of a table (for its `meta`, `mayContain` and tests); valid until the next call on the cache. */
  reader(fileNumber: number): TableReader {
    return this.acquire(fileNumber).reader;
  }

  /** An iterator over the table that pins it open until closed; `fillCache: false` for compaction. */
  iterator(fileNumber: number, options: { fillCache?: boolean } = {}): InternalIterator {
    const handle = this.acquire(fileNumber);
    handle.refs++;
    return handle.reader.iterator({ fillCache: options.fillCache ?? true, onClose: () => this.release(handle) });
  }

  /** Forgets a deleted table (invariant 3); its reader closes when its last iterator does. */
  evict(fileNumber: number): void {
    const handle = this.open.get(fileNumber);
    if (handle !== undefined) this.drop(handle);
    this.blockCache.evictFile(fileNumber);
  }

  /** Closes every reader that no iterator uses. */
  close(): void {
    for (const handle of [...this.open.values()]) this.drop(handle);
  }

  stats(): { openTables: number; maxOpenTables: number } {
    return { openTables: this.open.size, maxOpenTables: this.maxOpenTables };
  }

  private acquire(fileNumber: number): Handle {
    const found = this.open.get(fileNumber);
    if (found !== undefined) {
      found.lastUse = ++this.uses;
      return found;
    }
    const file = this.vfs.openRead(this.pathOf(fileNumber));
    let reader: TableReader;
    try {
      reader = TableReader.open(file, fileNumber, this.blockCache);
    } catch (error) {
      file.close();
      throw error;
    }
    const handle: Handle = { fileNumber, reader, refs: 0, cached: true, lastUse: ++this.uses };
    this.open.set(fileNumber, handle);
    while (this.open.size > this.maxOpenTables) this.drop(this.leastRecentlyUsed());
    return handle;
  }

  private leastRecentlyUsed(): Handle {
    let oldest: Handle | undefined;
    for (const h of this.open.values()) if (oldest === undefined || h.lastUse < oldest.lastUse) oldest = h;
    return oldest as Handle;
  }

  private drop(handle: Handle): void {
    if (!handle.cached) return;
    handle.cached = false;
    this.open.delete(handle.fileNumber);
    if (handle.refs === 0) handle.reader.close();
  }

  private release(handle: Handle): void {
    handle.refs--;
    if (handle.refs === 0 && !handle.cached) handle.reader.close();
  }
}
