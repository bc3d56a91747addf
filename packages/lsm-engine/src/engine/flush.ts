/**
 * Writing a memtable out as an SSTable (a flush to L0).
 *
 * Invariants:
 *   1. The returned table is fsynced and its directory entry is durable
 *      before this resolves, so a manifest naming it never names a file a
 *      crash could take away.
 *   2. The build yields to the event loop every FLUSH_YIELD_ENTRIES entries,
 *      so reads and writes keep being served during a long flush.
 *   3. On failure (a full disk, EIO) the part-written file is removed.
 */
import type { Clock } from '../clock.js';
import type { InternalIterator } from '../format/internal.js';
import { TableBuilder, type TableBuildOptions, type TableMeta } from '../sstable/index.js';
import type { Vfs } from '../vfs/vfs.js';

const FLUSH_YIELD_ENTRIES = 4096;

/** Resolves on a later macrotask (lets I/O callbacks run); `setImmediate` is not allowed in src/. */
export function yieldToEventLoop(clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(0, resolve);
  });
}

/** Writes every entry of `it` into table `fileNumber` at `path` (invariants 1, 2). */
export async function writeTable(
  vfs: Vfs,
  clock: Clock,
  dir: string,
  path: string,
  fileNumber: number,
  it: InternalIterator,
  options: TableBuildOptions,
): Promise<TableMeta> {
  const file = vfs.create(path);
  let meta: TableMeta | undefined;
  try {
    const builder = new TableBuilder(file, fileNumber, options);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) {
      builder.add(it.key(), it.seq(), it.kind(), it.value());
      if (++n % FLUSH_YIELD_ENTRIES === 0) await yieldToEventLoop(clock);
    }
    const built = builder.finish();
    await file.sync();
    meta = built;
  } finally {
    file.close();
    it.close();
    // Invariant 3: a part-written table would hold disk space (and, on a full disk, keep it full).
    if (meta === undefined) vfs.remove(path);
  }
  await vfs.syncDir(dir);
  return meta;
}
