/**
 * The commit log as the engine sees it: the current segment, rotation to a
 * new segment when a memtable is frozen, and group commit.
 *
 * Group commit: `sync()` starts an fsync of the current segment if none is in
 * flight. A caller that arrives while one is in flight and has appended since
 * it started waits for the next round, which starts as soon as the current
 * one ends and covers every caller that queued meanwhile; a caller with
 * nothing new simply joins the round in flight. So N concurrent writers cost
 * about two fsyncs, not N.
 *
 * Concurrency model: appends are synchronous; at most one fsync is in flight.
 *
 * Invariants:
 *   1. A `sync()` promise resolves only after an fsync that started after
 *      every append made before the call has completed.
 *   2. After an fsync fails, every later `sync()` rejects with that failure
 *      (no write is acknowledged after one: the bytes' fate is unknown).
 *   3. `rotate` fsyncs the old segment before creating the new one, so a
 *      segment that is not the newest never ends in a torn record.
 *   4. Each segment's synced-size mark (sync-mark.ts) follows its fsyncs
 *      every LOG_SYNC_MARK_BYTES, and covers the whole segment after
 *      `rotate` and a clean `close`; marking never delays or fails a write.
 */
import { LOG_SYNC_MARK_BYTES } from '../limits.js';
import { ByteWriter } from '../util/byte-writer.js';
import type { Vfs, VfsAppendFile } from '../vfs/vfs.js';
import { encodeBatch, type BatchOp } from './batch.js';
import { logFileName } from './format.js';
import { LogWriter } from './log-writer.js';
import { SyncMarker } from './sync-mark.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class CommitLog {
  private writer: LogWriter;
  private inflight: Promise<void> | undefined;
  private inflightStartSize = 0;
  private syncedSize = 0;
  private waiting: Deferred | undefined;
  private failure: unknown;
  private readonly payload = new ByteWriter(4096);
  private marker: SyncMarker;
  /** Final marks of rotated-out segments still being written (invariant 4). */
  private retiring: Promise<void> = Promise.resolve();
  /** fsyncs completed. */
  syncs = 0;
  /** Bytes appended to log segments since open. */
  bytesWritten = 0;

  private constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    public number: number,
    file: VfsAppendFile,
  ) {
    this.writer = new LogWriter(file);
    this.marker = new SyncMarker(vfs, dir, number);
  }

  /** Creates segment `number` and makes its directory entry durable. */
  static async create(vfs: Vfs, dir: string, number: number): Promise<CommitLog> {
    const file = vfs.create(`${dir}/${logFileName(number)}`);
    await vfs.syncDir(dir);
    return new CommitLog(vfs, dir, number, file);
  }

  /** The error of a failed fsync, if one failed (invariant 2). */
  get failed(): unknown {
    return this.failure;
  }

  /** Appends a batch record (not yet durable). Throws `no-space`/`io` from the Vfs. */
  append(firstSeq: number, ops: readonly BatchOp[]): void {
    this.payload.reset();
    encodeBatch(this.payload, firstSeq, ops);
    const before = this.writer.file.size();
    this.writer.addRecord(this.payload.view());
    this.bytesWritten += this.writer.file.size() - before;
  }

  /** True if bytes were appended that no completed or running fsync covers. */
  get dirty(): boolean {
    const size = this.writer.file.size();
    return size > (this.inflight ? this.inflightStartSize : this.syncedSize);
  }

  /** Resolves once everything appended before the call is durable (invariant 1). */
  sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const size = this.writer.file.size();
    if (this.inflight) {
      if (size <= this.inflightStartSize) return this.inflight;
      this.waiting ??= deferred();
      return this.waiting.promise;
    }
    if (size <= this.syncedSize) return Promise.resolve();
    return this.startRound();
  }

  private startRound(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const file = this.writer.file;
    const size = file.size();
    this.inflightStartSize = size;
    const round = file.sync().then(() => {
      this.syncs++;
      this.syncedSize = Math.max(this.syncedSize, size);
      if (this.syncedSize - this.marker.markedBytes >= LOG_SYNC_MARK_BYTES) void this.marker.advance(this.syncedSize);
    });
    this.inflight = round;
    const after = (): void => {
      this.inflight = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      if (w) this.startRound().then(w.resolve, w.reject);
    };
    round.then(after, (error: unknown) => {
      this.failure ??= error;
      after();
    });
    return round;
  }

  /** Syncs and closes the current segment, then starts segment `number` (invariant 3). */
  async rotate(number: number): Promise<void> {
    // The engine holds writers back during a rotation, so this loop ends.
    while (this.inflight !== undefined || this.dirty) await this.sync();
    const next = this.vfs.create(`${this.dir}/${logFileName(number)}`);
    await this.vfs.syncDir(this.dir);
    this.writer.file.close();
    const old = this.marker;
    const oldSize = this.syncedSize;
    // Best effort (sync-mark.ts invariant 2): a failed mark only weakens detection.
    this.retiring = this.retiring.then(() => old.advance(oldSize)).then(() => old.close()).catch(() => {});
    this.writer = new LogWriter(next);
    this.marker = new SyncMarker(this.vfs, this.dir, number);
    this.number = number;
    this.syncedSize = 0;
  }

  /**
   * Waits for the fsync in flight (if any) and closes the segment. Does not
   * sync; if everything appended is durable (a clean close), marks the whole
   * segment as synced first, so that recovery treats any damage to it as
   * corruption rather than a torn tail.
   */
  async close(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
    if (this.failure === undefined && !this.dirty) await this.marker.advance(this.syncedSize);
    await this.marker.close();
    await this.retiring;
    this.writer.file.close();
  }
}
