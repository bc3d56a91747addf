/**
 * A checkpoint: a directory that opens as an engine holding exactly what the
 * engine held when the checkpoint was taken (RocksDB's Checkpoint, Cassandra's
 * snapshot). The engine flushes its memtables first, so the checkpoint needs
 * no log: it is every live table, hard-linked (copied where the file system
 * cannot link), and a manifest naming them.
 *
 * Invariants:
 *   1. Every table of the version is linked in one synchronous pass, before
 *      any await: a compaction finishing meanwhile cannot remove one of them
 *      first (and removing the original name later leaves the link).
 *   2. The manifest is written last (MANIFEST + CURRENT, fsynced, directory
 *      fsynced): a directory without CURRENT is not a checkpoint and opens as
 *      an empty engine, never as a partial one.
 *   3. The engine keeps serving reads and writes throughout; writes made after
 *      the flush are not in the checkpoint.
 */
import { LsmError } from '../errors.js';
import { installManifest, type ManifestState, type SeqTime } from '../manifest/manifest.js';
import type { TableMeta } from '../sstable/types.js';
import type { Vfs } from '../vfs/vfs.js';
import { tableFileName } from './files.js';

/** What a checkpoint holds. */
export interface CheckpointInfo {
  /** The directory written. */
  readonly dir: string;
  /** Tables linked, and their bytes. */
  readonly tables: number;
  readonly bytes: number;
  /** The engine's last sequence number when the checkpoint was taken: every write up to it is in the checkpoint. */
  readonly lastSeq: number;
}

/** The part of an engine's state a checkpoint copies. */
export interface CheckpointSource {
  readonly vfs: Vfs;
  readonly dir: string;
  readonly levels: readonly (readonly TableMeta[])[];
  readonly lastSeq: number;
  readonly nextFileNumber: number;
  readonly checkpoints: readonly SeqTime[];
}

/** Writes the checkpoint of `source` to `target` (module invariants); `invalid-argument` if `target` is not empty or is the engine's own directory. */
export async function writeCheckpoint(source: CheckpointSource, target: string): Promise<CheckpointInfo> {
  const { vfs } = source;
  if (target === source.dir) throw new LsmError('invalid-argument', `a checkpoint cannot go into the engine's own directory ${target}`);
  vfs.mkdirp(target);
  if (vfs.list(target).length > 0) throw new LsmError('invalid-argument', `checkpoint directory ${target} is not empty`);
  let bytes = 0;
  let tables = 0;
  for (const level of source.levels) {
    for (const t of level) {
      const name = tableFileName(t.fileNumber);
      vfs.link(`${source.dir}/${name}`, `${target}/${name}`);
      bytes += t.sizeBytes;
      tables++;
    }
  }
  const logNumber = source.nextFileNumber;
  const state: ManifestState = {
    nextFileNumber: logNumber + 2,
    lastSeq: source.lastSeq,
    logNumber,
    checkpoints: source.checkpoints.slice(),
    levels: source.levels.map((l) => l.slice()),
  };
  await vfs.syncDir(target);
  await installManifest(vfs, target, logNumber + 1, state);
  return { dir: target, tables, bytes, lastSeq: source.lastSeq };
}
