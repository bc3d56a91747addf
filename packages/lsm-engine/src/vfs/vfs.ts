/**
 * The engine's only window on the operating system (LevelDB's `Env`, Pebble's
 * `vfs.FS`). Every byte the engine reads or writes goes through a `Vfs`, so the
 * same engine runs on the real disk (`NodeVfs`), in memory (`MemVfs`) and on a
 * fault-injecting file system that loses unsynced writes on a simulated crash
 * (`FaultVfs`).
 *
 * Concurrency model: reads, appends and metadata operations are synchronous.
 * They hit the page cache and take microseconds, and a synchronous call cannot
 * interleave with another, which keeps the engine's state machine simple. Only
 * the two durability barriers, `VfsFile.sync` and `Vfs.syncDir`, are
 * asynchronous: they are the slow calls, and group commit depends on appends
 * continuing while an fsync is in flight.
 *
 * Durability contract (what `FaultVfs` simulates and the engine relies on):
 *   1. Bytes appended to a file survive a crash only once a later `sync()` of
 *      that file has resolved.
 *   2. A created, renamed or removed directory entry survives a crash only once
 *      a later `syncDir()` of its directory has resolved.
 *   3. A crash may keep any prefix of a file's unsynced appends, possibly with
 *      the last kept byte range torn (garbage), never bytes out of order.
 *   4. A `sync()` may fail (EIO): the file's unsynced bytes are then of unknown
 *      fate, and the engine must not acknowledge any write that depended on them.
 *
 * Paths are '/'-separated and relative to nothing: the engine always passes the
 * paths it built from the directory given to `open`.
 */
import { LsmError } from '../errors.js';

export interface Vfs {
  /** Creates the directory and its parents; no error if it exists. */
  mkdirp(dir: string): void;
  /** Opens an existing file for positional reads. Throws `not-found` if absent. */
  openRead(path: string): VfsReadFile;
  /**
   * Creates a file for appending (truncating any existing file of that name).
   * The new directory entry is durable only after `syncDir(dirname(path))`.
   */
  create(path: string): VfsAppendFile;
  /** Opens an existing file to append at its end (used to resume a log). */
  openAppend(path: string): VfsAppendFile;
  /** Whole-file read, for small files such as the manifest pointer. Throws `not-found` if absent. */
  readFile(path: string): Uint8Array;
  /** Atomically replaces `to` with `from` (POSIX rename). Durable after `syncDir`. */
  rename(from: string, to: string): void;
  /** Removes a file; no error if it is already gone. Durable after `syncDir`. */
  remove(path: string): void;
  /**
   * Gives the immutable file `from` a second name `to` (a hard link; a copy
   * where the file system cannot link, e.g. across devices). The new entry is
   * durable after `syncDir(dirname(to))`; `from` must be fully synced.
   */
  link(from: string, to: string): void;
  /** File names (not paths) in a directory, in no particular order. */
  list(dir: string): string[];
  exists(path: string): boolean;
  /** Size in bytes of a file, including unsynced appends. */
  sizeOf(path: string): number;
  /** Makes the directory's entries (creates, renames, removes) durable. */
  syncDir(dir: string): Promise<void>;
  /**
   * Takes an exclusive lock on `path` (created if absent) for this process, so a
   * second engine cannot open the same directory. Rejects with `locked` if held.
   * A lock must not outlive its holder: a process that dies holding it leaves
   * nothing that blocks the next `lock`.
   */
  lock(path: string): Promise<VfsLock>;
}

export interface VfsReadFile {
  readonly path: string;
  /** Size in bytes at open time plus anything appended since by this process. */
  size(): number;
  /**
   * Reads `length` bytes at `offset` into a new buffer. Returns fewer bytes only
   * at end of file. The caller owns the returned buffer.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * Reads up to `length` bytes at `offset` into `target[0, length)` and
   * returns how many were read (fewer only at end of file). Use it for hot
   * reads whose bytes are consumed at once (checked and decompressed), so a
   * reused buffer replaces one allocation per read. Gotcha: `target` must
   * hold `length` bytes; the Vfs keeps no reference to it.
   */
  readInto(offset: number, length: number, target: Uint8Array): number;
  close(): void;
}

export interface VfsAppendFile {
  readonly path: string;
  /** Bytes written so far (synced or not). */
  size(): number;
  /**
   * Appends `data` at the end. All or nothing: on a throw (`no-space`, `io`)
   * the file is as it was, so a later append does not follow a torn one.
   * The Vfs does not keep a reference to `data` after returning.
   */
  append(data: Uint8Array): void;
  /** Makes every byte appended so far durable. Rejects with an `io` error (EIO) on failure. */
  sync(): Promise<void>;
  close(): void;
}

export interface VfsLock {
  release(): void;
}

/** Rejects a `readInto` target too small for `length` bytes (a caller bug, not a disk fault). */
export function checkTarget(path: string, length: number, target: Uint8Array): void {
  if (!Number.isInteger(length) || length < 0 || target.length < length) {
    throw new LsmError('invalid-argument', `readInto ${path}: target of ${target.length} bytes cannot hold ${length}`);
  }
}
