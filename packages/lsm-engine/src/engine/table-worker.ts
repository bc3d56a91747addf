/**
 * The engine's side of its table worker: a `node:worker_threads` thread that
 * builds flush tables and runs compactions on the real disk
 * (table-worker-main.ts), so that work stops holding the event loop that
 * serves reads and writes.
 *
 * What stays in the engine's thread: the memtable (the worker rebuilds its
 * entries from the memtable's own log segment, or, when that does not match,
 * gets them packed into chunks, a copy with no table building), file numbers,
 * the manifest and every decision about what is live. The worker only writes
 * files; the engine installs them exactly as it installs tables it built
 * itself, so durability and crash safety do not depend on where a table was
 * built: until the install, the frozen memtable's log segment (for a flush)
 * or the input tables (for a compaction) still hold everything.
 *
 * Invariants:
 *   1. Every job settles: with the worker's answer, or, if the worker dies
 *      (exits, throws, or is terminated), with an `io` LsmError. The next job
 *      starts a new worker.
 *   2. Errors raised in the worker arrive with their LsmError code (`no-space`,
 *      `io`, `corruption`, ...), so the engine treats them as it treats the
 *      same errors from its own thread.
 *   3. At most TABLE_WORKER_CHUNKS_IN_FLIGHT_MAX chunks of a flush are
 *      unacknowledged: the copy of a memtable in transit stays bounded.
 *   4. The worker keeps the process alive only while a job is pending.
 */
import { Worker } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import type { CompactionPlan, CompactionResult } from '../compaction/types.js';
import { LsmError } from '../errors.js';
import type { InternalIterator } from '../format/internal.js';
import { TABLE_WORKER_CHUNK_BYTES, TABLE_WORKER_CHUNKS_IN_FLIGHT_MAX } from '../limits.js';
import type { TableBuildOptions, TableMeta } from '../sstable/types.js';
import { EntryChunkWriter, type EntryChunk } from './entry-chunks.js';
import { yieldToEventLoop } from './flush.js';
import { fromWire, type FromWorker, type ToWorker } from './table-worker-protocol.js';

/** What a compaction in the worker needs from the engine besides the plan. */
export interface WorkerCompaction {
  dir: string;
  levels: readonly (readonly TableMeta[])[];
  options: TableBuildOptions;
  targetFileSizeBytes: number;
  smallestSnapshotSeq: number;
  tombstoneDropMaxSeq: number;
  newFileNumber(): number;
}

interface Job {
  resolve(message: FromWorker & { t: 'done' }): void;
  reject(error: Error): void;
  onAck?: () => void;
  newFileNumber?: () => number;
}

/**
 * The location of the worker's script. Under vitest the engine runs from its
 * TypeScript sources, which a worker thread cannot load: it then uses the
 * built copy in dist/ (`pnpm build`; `pnpm test` builds it first).
 */
export function tableWorkerScript(): URL {
  const here = import.meta.url;
  if (here.endsWith('/src/engine/table-worker.ts')) {
    return new URL(here.replace(/\/src\/engine\/table-worker\.ts$/, '/dist/engine/table-worker-main.js'));
  }
  return new URL('./table-worker-main.js', here);
}

/**
 * A lazily started worker thread that builds tables.
 *
 * When to use: one per engine on the real disk (option `tableWorker`).
 * Details: `writeTableFromLog` has it rebuild a memtable from the memtable's
 * own log segment, `writeTable` streams a memtable's entries to it; both
 * resolve with the new table's metadata; `compact` runs a plan and resolves with its
 * result. Both reject with the worker's typed error (invariant 2).
 * Gotchas: `terminate()` fails pending jobs (invariant 1); call it at close.
 */
export class TableWorker {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;
  /** Flushes whose log segment did not match their memtable (they were built from copied entries). */
  mismatches = 0;

  constructor(private readonly script: URL = tableWorkerScript()) {}

  /**
   * Builds table `fileNumber` at `path` in the worker from the memtable's own
   * log segment `logPath` (nothing copied here); falls back to `writeTable`
   * with the memtable's entries when the segment does not match it.
   */
  async writeTableFromLog(
    clock: Clock,
    dir: string,
    logPath: string,
    path: string,
    fileNumber: number,
    memtable: { entries: number; largestSeq: number; iterator(): InternalIterator },
    options: TableBuildOptions,
  ): Promise<TableMeta> {
    const job = this.nextJob++;
    const message = await this.start(
      job,
      { t: 'flush-log', job, dir, logPath, path, fileNumber, options, entries: memtable.entries, largestSeq: memtable.largestSeq },
      {},
    );
    if (message.mismatch === undefined) return message.meta as TableMeta;
    this.mismatches++;
    return this.writeTable(clock, dir, path, fileNumber, memtable.iterator(), options);
  }

  /** Writes every entry of `it` into table `fileNumber` at `path`, built in the worker. */
  async writeTable(
    clock: Clock,
    dir: string,
    path: string,
    fileNumber: number,
    it: InternalIterator,
    options: TableBuildOptions,
  ): Promise<TableMeta> {
    const job = this.nextJob++;
    let unacked = 0;
    let ackWaiter: (() => void) | undefined;
    let failed = false;
    const done = this.start(job, { t: 'flush', job, dir, path, fileNumber, options }, {
      onAck: () => {
        unacked--;
        ackWaiter?.();
        ackWaiter = undefined;
      },
    });
    // Chunks stop at the first failure; the `done` promise carries it.
    done.catch(() => {
      failed = true;
      ackWaiter?.();
    });
    const post = async (chunk: EntryChunk | undefined): Promise<void> => {
      if (chunk === undefined || failed) return;
      unacked++;
      this.post({ t: 'entries', job, bytes: chunk.bytes }, [chunk.bytes]);
      // Invariant 3; and each chunk's copy is a few ms of this thread, so let others run between chunks.
      while (unacked >= TABLE_WORKER_CHUNKS_IN_FLIGHT_MAX && !failed) await new Promise<void>((r) => (ackWaiter = r));
      await yieldToEventLoop(clock);
    };
    try {
      const chunks = new EntryChunkWriter(TABLE_WORKER_CHUNK_BYTES);
      for (it.seekToFirst(); it.valid() && !failed; it.next()) {
        const chunk = chunks.add(it.key(), it.seq(), it.kind(), it.value());
        if (chunk !== undefined) await post(chunk); // an await per chunk, not per entry
      }
      await post(chunks.take());
    } catch (error) {
      // Failing here (not in the worker): drop the job and have the worker remove its file.
      if (!failed) this.abandon(job);
      throw error;
    } finally {
      it.close();
    }
    if (!failed) this.post({ t: 'end', job });
    const message = await done;
    return message.meta as TableMeta;
  }

  /** Runs `plan` in the worker; output file numbers come from `c.newFileNumber` on this thread. */
  async compact(plan: CompactionPlan, c: WorkerCompaction): Promise<CompactionResult> {
    const job = this.nextJob++;
    const message = await this.start(
      job,
      {
        t: 'compact',
        job,
        dir: c.dir,
        plan,
        levels: c.levels.map((l) => l.slice()),
        options: c.options,
        targetFileSizeBytes: c.targetFileSizeBytes,
        smallestSnapshotSeq: c.smallestSnapshotSeq,
        tombstoneDropMaxSeq: c.tombstoneDropMaxSeq,
      },
      { newFileNumber: c.newFileNumber },
    );
    return message.result as CompactionResult;
  }

  private abandon(job: number): void {
    const w = this.worker;
    if (w === undefined || !this.jobs.has(job)) return;
    this.settle(w, job);
    this.post({ t: 'abort', job });
  }

  /** Stops the thread; pending jobs fail with `io` (invariant 1). */
  async terminate(): Promise<void> {
    const w = this.worker;
    if (w === undefined) return;
    await w.terminate();
    // The exit handler normally does this; make sure nothing is left waiting.
    this.failAll(w, new LsmError('io', 'table worker terminated'));
  }

  /** @internal For tests: the running thread, if any. */
  get thread(): Worker | undefined {
    return this.worker;
  }

  private start(job: number, first: ToWorker, hooks: Pick<Job, 'onAck' | 'newFileNumber'>): Promise<FromWorker & { t: 'done' }> {
    const p = new Promise<FromWorker & { t: 'done' }>((resolve, reject) => {
      this.jobs.set(job, { resolve, reject, ...hooks });
    });
    this.ensureWorker().ref(); // invariant 4
    this.post(first);
    return p;
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(message, transfer);
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (m: FromWorker) => this.onMessage(w, m));
    w.on('error', (error: Error) => this.failAll(w, new LsmError('io', `table worker failed: ${error.message}`, { cause: error })));
    w.on('exit', (code) => this.failAll(w, new LsmError('io', `table worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private onMessage(w: Worker, m: FromWorker): void {
    const job = this.jobs.get(m.job);
    if (job === undefined) return;
    switch (m.t) {
      case 'ack':
        job.onAck?.();
        return;
      case 'need-file-number':
        w.postMessage({ t: 'file-number', job: m.job, fileNumber: (job.newFileNumber as () => number)() } satisfies ToWorker);
        return;
      case 'done':
        this.settle(w, m.job);
        job.resolve(m);
        return;
      case 'failed':
        this.settle(w, m.job);
        job.reject(fromWire(m.error));
        return;
    }
  }

  private settle(w: Worker, job: number): void {
    this.jobs.delete(job);
    if (this.jobs.size === 0) w.unref(); // invariant 4
  }

  /** Invariant 1: a dead worker fails every pending job; the next job starts a new one. */
  private failAll(w: Worker, error: LsmError): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) j.reject(error);
  }
}
