/**
 * A bounded LRU cache of decoded (decompressed, checksum-verified) blocks,
 * shared by every table of an engine and charged by bytes.
 *
 * Invariants:
 *   1. `bytes` is the sum of the charges of the cached blocks and never
 *      exceeds `capacityBytes` after an insert returns; the least recently
 *      used blocks are evicted first.
 *   2. A block larger than the whole capacity is not cached at all, so one
 *      huge value cannot flush the cache.
 *   3. Entries are keyed by (file number, block offset). File numbers are
 *      never reused within an engine, so a cached block can never belong to
 *      a different file; `evictFile` frees a deleted table's blocks early.
 *
 * Concurrency: synchronous; an evicted block stays valid for anyone still
 * holding it (blocks are immutable), the cache only stops charging for it.
 * A handle of an evicted block lets go of the block: readers keep handles of
 * every block they read, so a dead handle that still pointed at its block
 * would keep memory the cache no longer counts.
 */
import type { Block } from './block.js';

/** Bookkeeping bytes charged per cached block on top of its data (map entries, list node, Block object). */
export const BLOCK_CACHE_ENTRY_OVERHEAD_BYTES = 96;

/**
 * A cached block. Readers may keep the handle of a block they read and
 * revalidate it with `touch`, which skips both map lookups on the hot path;
 * `live` turns false when the block leaves the cache, and from then on the
 * handle no longer holds the block (reading `block` is a bug and throws).
 */
export interface BlockCacheHandle {
  readonly block: Block;
  readonly live: boolean;
}

class Node implements BlockCacheHandle {
  prev: Node | undefined = undefined;
  next: Node | undefined = undefined;

  constructor(
    readonly fileNumber: number,
    readonly offset: number,
    private cached: Block | undefined,
    readonly chargeBytes: number,
  ) {}

  get live(): boolean {
    return this.cached !== undefined;
  }

  get block(): Block {
    if (this.cached === undefined) throw new Error('lsm-engine: bug: block of an evicted cache handle read');
    return this.cached;
  }

  /** The block left the cache: drop the reference so it can be collected. */
  release(): void {
    this.cached = undefined;
  }
}

/**
 * LRU block cache bounded in bytes.
 *
 * When to use: one per engine, passed to every `TableReader` (through the
 * `TableCache`); size it to the memory you can spare for hot data.
 * Details: `stats()` counts hits and misses of lookups since creation.
 * Gotchas: capacity 0 disables caching (every read decodes its block).
 */
export class BlockCache {
  private readonly files = new Map<number, Map<number, Node>>();
  /** Most recently used at `head`, least at `tail`. */
  private head: Node | undefined;
  private tail: Node | undefined;
  private usedBytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(readonly capacityBytes: number) {
    if (!(capacityBytes >= 0)) throw new RangeError('capacityBytes must be >= 0');
  }

  /** The cached block at (file, offset), marked most recently used; counts a hit or a miss. */
  lookup(fileNumber: number, offset: number): Block | undefined {
    return this.find(fileNumber, offset)?.block;
  }

  /** Like `lookup`, returning the handle for later `touch` calls. */
  find(fileNumber: number, offset: number): BlockCacheHandle | undefined {
    const node = this.files.get(fileNumber)?.get(offset);
    if (node === undefined) {
      this.misses++;
      return undefined;
    }
    this.touch(node);
    return node;
  }

  /** If the handle's block is still cached: marks it most recently used, counts a hit and returns true. */
  touch(handle: BlockCacheHandle): boolean {
    const node = handle as Node;
    if (!node.live) return false;
    this.hits++;
    if (node !== this.head) {
      this.unlink(node);
      this.pushFront(node);
    }
    return true;
  }

  /** Caches a block (replacing one at the same place), then evicts down to capacity (invariants 1, 2). */
  insert(fileNumber: number, offset: number, block: Block): BlockCacheHandle | undefined {
    const chargeBytes = block.chargeBytes + BLOCK_CACHE_ENTRY_OVERHEAD_BYTES;
    if (chargeBytes > this.capacityBytes) return undefined;
    let byOffset = this.files.get(fileNumber);
    if (byOffset === undefined) {
      byOffset = new Map();
      this.files.set(fileNumber, byOffset);
    }
    const old = byOffset.get(offset);
    if (old !== undefined) this.remove(old);
    const node = new Node(fileNumber, offset, block, chargeBytes);
    byOffset.set(offset, node);
    this.pushFront(node);
    this.usedBytes += chargeBytes;
    while (this.usedBytes > this.capacityBytes && this.tail !== undefined) this.remove(this.tail);
    return node.live ? node : undefined;
  }

  /** Drops every block of a file (the table was deleted). */
  evictFile(fileNumber: number): void {
    const byOffset = this.files.get(fileNumber);
    if (byOffset === undefined) return;
    for (const node of [...byOffset.values()]) this.remove(node);
  }

  stats(): { hits: number; misses: number; bytes: number; capacityBytes: number; blocks: number } {
    let blocks = 0;
    for (const m of this.files.values()) blocks += m.size;
    return { hits: this.hits, misses: this.misses, bytes: this.usedBytes, capacityBytes: this.capacityBytes, blocks };
  }

  private remove(node: Node): void {
    node.release();
    this.unlink(node);
    this.usedBytes -= node.chargeBytes;
    const byOffset = this.files.get(node.fileNumber);
    if (byOffset === undefined) return;
    byOffset.delete(node.offset);
    if (byOffset.size === 0) this.files.delete(node.fileNumber);
  }

  private unlink(node: Node): void {
    if (node.prev !== undefined) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== undefined) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
  }

  private pushFront(node: Node): void {
    node.next = this.head;
    if (this.head !== undefined) this.head.prev = node;
    this.head = node;
    if (this.tail === undefined) this.tail = node;
  }
}
