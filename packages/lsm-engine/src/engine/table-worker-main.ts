/**
 * The table worker's thread: builds flush tables and runs compactions on the
 * real disk for the engine (table-worker.ts), so table building (block
 * encoding, lz4, CRCs, bloom filters, merging) does not hold the engine's
 * event loop. It only writes files: the engine installs them in the manifest.
 *
 * Invariants:
 *   1. Jobs run one at a time per kind (the engine sends at most one flush and
 *      one compaction at once); each ends with one `done` or `failed`.
 *   2. A failed job leaves no file behind (TableWriter and runCompaction
 *      remove what they wrote), as in the engine's thread.
 *   3. Every chunk of flush entries is acknowledged once added, so the engine
 *      bounds the chunks in flight.
 */
import { parentPort } from 'node:worker_threads';
import { runCompaction } from '../compaction/compaction-job.js';
import { BlockCache, TableCache } from '../sstable/index.js';
import { NodeVfs } from '../vfs/node-vfs.js';
import { forEachEntry } from './entry-chunks.js';
import { forEachSorted, segmentEntries } from './segment-entries.js';
import { tableFileName } from './files.js';
import { TableWriter } from './flush.js';
import { toWire, type CompactStart, type FromWorker, type ToWorker } from './table-worker-protocol.js';
import { Version } from './version.js';
import { TABLE_WORKER_OPEN_TABLES_MAX } from '../limits.js';

const port = parentPort;
if (port === null) throw new Error('lsm-engine: table-worker-main runs only as a worker thread');
const vfs = new NodeVfs();

/** An open flush: its writer, or the error that stopped it (later chunks are dropped). */
const flushes = new Map<number, { writer: TableWriter | undefined; failed: boolean }>();
const fileNumberWaiters = new Map<number, (n: number) => void>();

function send(message: FromWorker): void {
  port?.postMessage(message);
}

function fail(job: number, error: unknown): void {
  send({ t: 'failed', job, error: toWire(error) });
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'flush-log': {
      const sorted = segmentEntries(vfs, m.logPath, { entries: m.entries, largestSeq: m.largestSeq });
      if (!sorted.ok) {
        send({ t: 'done', job: m.job, mismatch: sorted.reason });
        return;
      }
      let writer: TableWriter | undefined;
      try {
        const w = new TableWriter(vfs, m.dir, m.path, m.fileNumber, m.options);
        writer = w;
        forEachSorted(sorted, (key, seq, kind, value) => w.add(key, seq, kind, value));
      } catch (error) {
        writer?.abort();
        fail(m.job, error);
        return;
      }
      writer.finish().then(
        (meta) => send({ t: 'done', job: m.job, meta }),
        (error: unknown) => fail(m.job, error),
      );
      return;
    }
    case 'flush': {
      try {
        flushes.set(m.job, { writer: new TableWriter(vfs, m.dir, m.path, m.fileNumber, m.options), failed: false });
      } catch (error) {
        flushes.set(m.job, { writer: undefined, failed: true });
        fail(m.job, error);
      }
      return;
    }
    case 'entries': {
      const f = flushes.get(m.job);
      if (f?.writer !== undefined && !f.failed) {
        const writer = f.writer;
        try {
          forEachEntry(m.bytes, (key, seq, kind, value) => writer.add(key, seq, kind, value));
        } catch (error) {
          f.failed = true;
          writer.abort();
          fail(m.job, error);
        }
      }
      send({ t: 'ack', job: m.job });
      return;
    }
    case 'end': {
      const f = flushes.get(m.job);
      flushes.delete(m.job);
      if (f?.writer === undefined || f.failed) return;
      f.writer.finish().then(
        (meta) => send({ t: 'done', job: m.job, meta }),
        (error: unknown) => fail(m.job, error),
      );
      return;
    }
    case 'abort': {
      const f = flushes.get(m.job);
      flushes.delete(m.job);
      if (f?.writer !== undefined && !f.failed) {
        try {
          f.writer.abort();
        } catch {
          // An orphan table is harmless: the engine deletes files the manifest does not list.
        }
      }
      return;
    }
    case 'compact':
      compact(m).then(
        (result) => send({ t: 'done', job: m.job, result }),
        (error: unknown) => fail(m.job, error),
      );
      return;
    case 'file-number': {
      const w = fileNumberWaiters.get(m.job);
      fileNumberWaiters.delete(m.job);
      w?.(m.fileNumber);
      return;
    }
  }
});

async function compact(m: CompactStart) {
  const pathOf = (n: number): string => `${m.dir}/${tableFileName(n)}`;
  // Inputs are read once, without filling a cache: the block cache only has to exist.
  const tableCache = new TableCache(vfs, pathOf, TABLE_WORKER_OPEN_TABLES_MAX, new BlockCache(0));
  const version = new Version(m.levels);
  try {
    return await runCompaction(m.plan, {
      tableCache,
      vfs,
      pathOf,
      newFileNumber: () =>
        new Promise<number>((resolve) => {
          fileNumberWaiters.set(m.job, resolve);
          send({ t: 'need-file-number', job: m.job });
        }),
      buildOptions: m.options,
      targetFileSizeBytes: m.targetFileSizeBytes,
      smallestSnapshotSeq: m.smallestSnapshotSeq,
      tombstoneDropMaxSeq: m.tombstoneDropMaxSeq,
      isBaseLevelForKey: (key) => version.isBaseLevelForKey(m.plan.outputLevel, key),
    });
  } finally {
    tableCache.close();
  }
}
