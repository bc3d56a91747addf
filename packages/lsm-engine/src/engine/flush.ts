/**
 * Writing a memtable out as an SSTable (a flush to L0), and the table file
 * writer that the flush and the table worker (table-worker-main.ts) share.
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
import type { EntryKind, InternalIterator } from '../format/internal.js';
import { TableBuilder, type TableBuildOptions, type TableMeta } from '../sstable/index.js';
import type { Vfs, VfsAppendFile } from '../vfs/vfs.js';

const FLUSH_YIELD_ENTRIES = 4096;

/** Resolves on a later macrotask (lets I/O callbacks run); `setImmediate` is not allowed in src/. */
export function yieldToEventLoop(clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(0, resolve);
  });
}

/**
 * One table file being written (invariants 1 and 3).
 *
 * When to use: a flush, in the engine's thread or in the table worker.
 * Details: `add` entries in internal order, then `finish()` (builds the
 * trailer, fsyncs the file and the directory) or `abort()` (closes and
 * removes the part-written file).
 * Gotchas: exactly one of `finish` and `abort` must end it; a `finish` that
 * fails has already removed the file.
 */
export class TableWriter {
  private readonly file: VfsAppendFile;
  private readonly builder: TableBuilder;
  private ended = false;

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly path: string,
    fileNumber: number,
    options: TableBuildOptions,
  ) {
    this.file = vfs.create(path);
    try {
      this.builder = new TableBuilder(this.file, fileNumber, options);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Appends one entry; entries arrive in strictly increasing internal order. */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    this.builder.add(key, seq, kind, value);
  }

  /** Writes the rest, fsyncs the table and its directory entry, and describes it. */
  async finish(): Promise<TableMeta> {
    let meta: TableMeta | undefined;
    try {
      const built = this.builder.finish();
      await this.file.sync();
      meta = built;
    } finally {
      if (meta === undefined) this.abort();
      else this.closeFile();
    }
    await this.vfs.syncDir(this.dir);
    return meta;
  }

  /** Closes and removes the part-written file (invariant 3: it would hold disk space). Idempotent. */
  abort(): void {
    if (this.ended) return;
    this.closeFile();
    this.vfs.remove(this.path);
  }

  private closeFile(): void {
    this.ended = true;
    this.file.close();
  }
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
  let writer: TableWriter | undefined;
  try {
    writer = new TableWriter(vfs, dir, path, fileNumber, options);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) {
      writer.add(it.key(), it.seq(), it.kind(), it.value());
      if (++n % FLUSH_YIELD_ENTRIES === 0) await yieldToEventLoop(clock);
    }
  } catch (error) {
    writer?.abort();
    throw error;
  } finally {
    it.close();
  }
  return writer.finish();
}
