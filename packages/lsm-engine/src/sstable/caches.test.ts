import { describe, expect, it } from 'vitest';
import { KIND_PUT, SEQ_MAX } from '../format/internal.js';
import { Block } from './block.js';
import { BLOCK_CACHE_ENTRY_OVERHEAD_BYTES, BlockCache } from './block-cache.js';
import { TableBuilder } from './table-builder.js';
import { TableCache } from './table-cache.js';
import { MemVfs } from '../vfs/mem-vfs.js';
import type { VfsReadFile } from '../vfs/vfs.js';

/** MemVfs that counts opened and closed read handles, so tests see when the table cache closes a reader. */
class CountingVfs extends MemVfs {
  openReads = 0;
  closedReads = 0;

  override openRead(path: string): VfsReadFile {
    const inner = super.openRead(path);
    this.openReads++;
    let closed = false;
    return {
      path,
      size: () => inner.size(),
      read: (offset, length) => {
        if (closed) throw new Error('read after close');
        return inner.read(offset, length);
      },
      readInto: (offset, length, target) => {
        if (closed) throw new Error('read after close');
        return inner.readInto(offset, length, target);
      },
      close: () => {
        if (closed) throw new Error('closed twice');
        closed = true;
        this.closedReads++;
        inner.close();
      },
    };
  }
}

/** A block whose data is `bytes` long (an empty block plus padding the cache does not look at). */
function blockOf(bytes: number): Block {
  return new Block(new Uint8Array(bytes), 'test');
}

describe('BlockCache', () => {
  const charge = (bytes: number) => bytes + BLOCK_CACHE_ENTRY_OVERHEAD_BYTES;

  it('evicts least recently used blocks once the charged bytes exceed capacity', () => {
    const cache = new BlockCache(3 * charge(1000));
    cache.insert(1, 0, blockOf(1000));
    cache.insert(1, 1000, blockOf(1000));
    cache.insert(2, 0, blockOf(1000));
    expect(cache.lookup(1, 0)).toBeDefined(); // now (1,0) is most recent; (1,1000) is the LRU
    cache.insert(3, 0, blockOf(1000));
    expect(cache.lookup(1, 1000)).toBeUndefined();
    expect(cache.lookup(1, 0)).toBeDefined();
    expect(cache.lookup(2, 0)).toBeDefined();
    expect(cache.lookup(3, 0)).toBeDefined();
    expect(cache.stats()).toMatchObject({ bytes: 3 * charge(1000), hits: 4, misses: 1, blocks: 3 });
  });

  it('evicts several small blocks to make room for a large one', () => {
    const cache = new BlockCache(charge(3000));
    for (let i = 0; i < 5; i++) cache.insert(1, i, blockOf(100));
    cache.insert(2, 0, blockOf(2900));
    const s = cache.stats();
    expect(s.bytes).toBeLessThanOrEqual(s.capacityBytes);
    expect(cache.lookup(2, 0)).toBeDefined();
    expect(cache.lookup(1, 0)).toBeUndefined();
  });

  it('does not cache a block larger than its capacity', () => {
    const cache = new BlockCache(charge(500));
    cache.insert(1, 0, blockOf(100));
    cache.insert(1, 1, blockOf(10_000));
    expect(cache.lookup(1, 1)).toBeUndefined();
    expect(cache.lookup(1, 0)).toBeDefined();
  });

  it('evictFile drops only that file and releases its bytes', () => {
    const cache = new BlockCache(1 << 20);
    cache.insert(1, 0, blockOf(100));
    cache.insert(1, 100, blockOf(100));
    cache.insert(2, 0, blockOf(100));
    cache.evictFile(1);
    expect(cache.stats().bytes).toBe(charge(100));
    expect(cache.lookup(1, 0)).toBeUndefined();
    expect(cache.lookup(2, 0)).toBeDefined();
  });

  it('a kept handle revalidates while its block is cached and goes dead once evicted', () => {
    const cache = new BlockCache(2 * charge(100));
    const h = cache.insert(1, 0, blockOf(100))!;
    expect(cache.touch(h)).toBe(true);
    cache.insert(1, 1, blockOf(100));
    cache.insert(1, 2, blockOf(100)); // (1,0) was touched before (1,1) arrived, so (1,0) is the LRU
    expect(h.live).toBe(false);
    expect(() => h.block).toThrow(/evicted/); // a dead handle no longer pins the block's memory
    expect(cache.touch(h)).toBe(false);
    expect(cache.stats()).toMatchObject({ hits: 1, blocks: 2 });
  });

  it('replacing a block at the same place does not double-charge', () => {
    const cache = new BlockCache(1 << 20);
    cache.insert(1, 0, blockOf(100));
    cache.insert(1, 0, blockOf(200));
    expect(cache.stats().bytes).toBe(charge(200));
  });
});

describe('TableCache', () => {
  function setup(tables: number, maxOpen: number) {
    const vfs = new CountingVfs();
    for (let n = 1; n <= tables; n++) {
      const b = new TableBuilder(vfs.create(`db/${n}.sst`), n, { blockSizeBytes: 64, restartInterval: 2, bloomBitsPerKey: 10, compression: 'lz4' });
      for (let i = 0; i < 50; i++) b.add(new Uint8Array([n, i]), 100 + i, KIND_PUT, new Uint8Array([i]));
      b.finish();
    }
    const blockCache = new BlockCache(1 << 20);
    const cache = new TableCache(vfs, (n) => `db/${n}.sst`, maxOpen, blockCache);
    return { vfs, cache, blockCache };
  }

  it('keeps at most maxOpenTables readers open, closing the least recently used', () => {
    const { vfs, cache } = setup(4, 2);
    for (let n = 1; n <= 4; n++) expect(cache.get(n, new Uint8Array([n, 3]), SEQ_MAX)?.value).toEqual(new Uint8Array([3]));
    expect(cache.stats()).toEqual({ openTables: 2, maxOpenTables: 2 });
    expect(vfs.openReads - vfs.closedReads).toBe(2);
    cache.get(3, new Uint8Array([3, 1]), SEQ_MAX); // cached: no new open, and 3 is now more recent than 4
    expect(vfs.openReads).toBe(4);
    cache.get(1, new Uint8Array([1, 1]), SEQ_MAX); // reopens 1, evicting 4 (the least recently used)
    cache.get(3, new Uint8Array([3, 2]), SEQ_MAX);
    expect(vfs.openReads).toBe(5);
    cache.get(4, new Uint8Array([4, 2]), SEQ_MAX);
    expect(vfs.openReads).toBe(6);
  });

  it('an evicted reader stays open until its last iterator closes', () => {
    const { vfs, cache } = setup(3, 1);
    const it1 = cache.iterator(1);
    const it2 = cache.iterator(1);
    cache.get(2, new Uint8Array([2, 0]), SEQ_MAX); // evicts table 1 from the cache
    expect(cache.stats().openTables).toBe(1);
    expect(vfs.closedReads).toBe(0);
    it1.seekToFirst();
    let n = 0;
    for (; it1.valid(); it1.next()) n++;
    expect(n).toBe(50); // still readable: reads would throw after close
    it1.close();
    expect(vfs.closedReads).toBe(0);
    it2.close();
    expect(vfs.closedReads).toBe(1);
    it2.close(); // closing twice releases once
    expect(vfs.closedReads).toBe(1);
  });

  it('evict closes an unused reader at once and drops its blocks from the block cache', () => {
    const { vfs, cache, blockCache } = setup(2, 4);
    cache.get(1, new Uint8Array([1, 0]), SEQ_MAX);
    cache.get(2, new Uint8Array([2, 0]), SEQ_MAX);
    const before = blockCache.stats().bytes;
    cache.evict(1);
    expect(vfs.closedReads).toBe(1);
    expect(blockCache.stats().bytes).toBeLessThan(before);
    expect(cache.stats().openTables).toBe(1);
  });

  it('close closes idle readers and leaves pinned ones to their iterators', () => {
    const { vfs, cache } = setup(3, 3);
    const it = cache.iterator(1);
    cache.get(2, new Uint8Array([2, 0]), SEQ_MAX);
    cache.get(3, new Uint8Array([3, 0]), SEQ_MAX);
    cache.close();
    expect(vfs.closedReads).toBe(2);
    it.close();
    expect(vfs.closedReads).toBe(3);
  });

  it('a table that fails validation is not cached and its file is closed', () => {
    const { vfs, cache } = setup(1, 2);
    const bytes = vfs.readFile('db/1.sst');
    const f = vfs.create('db/1.sst');
    f.append(bytes.slice(0, 10));
    f.close();
    expect(() => cache.get(1, new Uint8Array([1]), SEQ_MAX)).toThrow(/corruption|too short/);
    expect(vfs.openReads).toBe(vfs.closedReads);
    expect(cache.stats().openTables).toBe(0);
  });
});
