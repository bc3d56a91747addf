/**
 * Recovery: from the files in a directory to a consistent engine state.
 *
 * Steps (LevelDB's `DB::Recover`):
 *   1. Read CURRENT and the manifest it names (or start fresh if there is no
 *      CURRENT and no data file).
 *   2. Replay every log segment numbered at or above the manifest's log
 *      number, oldest first, into memtables; a torn tail is accepted in the
 *      newest segment only, above its synced-size mark (log-reader.ts), and
 *      reported; other damage fails (`strict`) or is skipped and counted
 *      (`salvage`, LossCounter).
 *   3. Write the replayed memtables out as L0 tables and install a new
 *      manifest whose log number is a fresh segment's: after this, no old
 *      segment is needed, so a torn segment is never replayed twice and never
 *      ends up anywhere but last.
 *   4. Delete what the new manifest does not name (orphans of a crash).
 *
 * Invariants:
 *   1. Nothing is deleted before the new manifest is durable; a crash at any
 *      point of recovery leaves the directory recoverable with the same data.
 *   2. Sequence and file numbers only grow: both resume above anything found
 *      in the manifest, the logs or the directory listing.
 */
import type { Clock } from '../clock.js';
import { LsmError } from '../errors.js';
import { Memtable } from '../memtable/memtable.js';
import { installManifest, readCurrentManifest, type ManifestState } from '../manifest/manifest.js';
import type { TableBuildOptions, TableMeta } from '../sstable/index.js';
import type { Vfs } from '../vfs/vfs.js';
import { decodeBatch } from '../wal/batch.js';
import { readLog, type LogLoss } from '../wal/log-reader.js';
import { readSyncMark } from '../wal/sync-mark.js';
import { RECOVERY_LOSS_REGIONS_MAX } from '../limits.js';
import type { WalRecovery } from './options.js';
import { noLoss, type RecoveryLoss } from './stats.js';
import { addCheckpoint } from './checkpoints.js';
import {
  CURRENT_FILE,
  LOCK_FILE,
  logFileName,
  parseLogFileName,
  parseManifestFileName,
  parseSyncMarkFileName,
  parseTableFileName,
  tableFileName,
} from './files.js';
import { writeTable } from './flush.js';

export interface RecoveryParams {
  vfs: Vfs;
  clock: Clock;
  dir: string;
  levels: number;
  memtableBytes: number;
  buildOptions: TableBuildOptions;
  tombstoneGraceMs: number;
  walRecovery: WalRecovery;
}

export interface RecoveredState {
  state: ManifestState;
  manifestNumber: number;
  replayedRecords: number;
  droppedTailBytes: number;
  corruption: RecoveryLoss;
  /** Bytes written by recovery (tables and manifest), for write amplification. */
  bytesWritten: number;
}

function maxFileNumber(names: readonly string[]): number {
  let max = 0;
  for (const name of names) {
    const n = parseLogFileName(name) ?? parseTableFileName(name) ?? parseManifestFileName(name) ?? 0;
    if (n > max) max = n;
  }
  return max;
}

function loadState(p: RecoveryParams, names: readonly string[]): ManifestState {
  const current = readCurrentManifest(p.vfs, p.dir);
  if (!current) {
    const data = names.filter((n) => parseLogFileName(n) !== undefined || parseTableFileName(n) !== undefined);
    if (data.length > 0) throw new LsmError('corruption', `${p.dir}: ${CURRENT_FILE} is missing but ${data[0]} exists`);
    return { nextFileNumber: 1, lastSeq: 0, logNumber: 0, checkpoints: [], levels: Array.from({ length: p.levels }, () => []) };
  }
  const state = current.state;
  for (const level of state.levels) {
    for (const t of level) {
      if (!p.vfs.exists(`${p.dir}/${tableFileName(t.fileNumber)}`)) {
        throw new LsmError('corruption', `${p.dir}: table ${tableFileName(t.fileNumber)} named by the manifest is missing`);
      }
    }
  }
  while (state.levels.length < p.levels) state.levels.push([]);
  return state;
}

/** Runs steps 1–4 of the module header. */
export async function recover(p: RecoveryParams): Promise<RecoveredState> {
  const names = p.vfs.list(p.dir);
  const state = loadState(p, names);
  state.nextFileNumber = Math.max(state.nextFileNumber, maxFileNumber(names) + 1);
  const logs = names
    .map(parseLogFileName)
    .filter((n): n is number => n !== undefined && n >= state.logNumber)
    .sort((a, b) => a - b);
  let mem = new Memtable(0);
  let replayedRecords = 0;
  let droppedTailBytes = 0;
  let bytesWritten = 0;
  const flushed: TableMeta[] = [];
  const flush = async (): Promise<void> => {
    const n = state.nextFileNumber++;
    const meta = await writeTable(p.vfs, p.clock, p.dir, `${p.dir}/${tableFileName(n)}`, n, mem.iterator(), p.buildOptions);
    flushed.push(meta);
    bytesWritten += meta.sizeBytes;
    mem = new Memtable(0);
  };
  const loss = new LossCounter();
  for (let i = 0; i < logs.length; i++) {
    const number = logs[i] as number;
    const name = logFileName(number);
    const data = p.vfs.readFile(`${p.dir}/${name}`);
    const isLast = i === logs.length - 1;
    // Rotation fsyncs a segment whole before the next exists (commit-log.ts invariant 3).
    const mark = readSyncMark(p.vfs, p.dir, number);
    const syncedBytes = isLast ? mark : Math.max(mark, data.length);
    const mode = { syncedBytes, salvage: p.walRecovery === 'salvage', onLoss: (r: LogLoss) => loss.region(r) };
    const result = readLog(data, `${p.dir}/${name}`, mode, (payload) => {
      loss.recordStarts();
      decodeBatch(payload, `${p.dir}/${name}`, (seq, kind, key, value) => {
        loss.op(seq);
        mem.insert(key.slice(), seq, kind, value.slice());
        if (seq > state.lastSeq) state.lastSeq = seq;
      });
      replayedRecords++;
    });
    droppedTailBytes += result.droppedBytes;
    if (mem.approximateBytes >= p.memtableBytes) await flush();
  }
  if (mem.entries > 0) await flush();
  for (const t of flushed) (state.levels[0] as TableMeta[]).unshift(t);
  state.logNumber = state.nextFileNumber++;
  const manifestNumber = state.nextFileNumber++;
  addCheckpoint(state.checkpoints, state.lastSeq, p.clock.nowMs(), p.tombstoneGraceMs);
  bytesWritten += await installManifest(p.vfs, p.dir, manifestNumber, state);
  removeOrphans(p.vfs, p.dir, state, manifestNumber);
  return { state, manifestNumber, replayedRecords, droppedTailBytes, corruption: loss.finish(), bytesWritten };
}

/**
 * Adds up what salvage skipped. Sequence numbers run on without gaps from
 * record to record and segment to segment (a batch of n ops takes n), so the
 * writes lost in a region followed by a record are that record's first
 * sequence number minus the one expected.
 */
class LossCounter {
  private readonly loss = noLoss();
  /** The sequence number the next op should have, once one op has been seen. */
  private expected: number | undefined;
  /** Regions reported but not yet followed by a record. */
  private open = 0;
  private atRecordStart = false;

  region(r: LogLoss): void {
    this.loss.regions++;
    this.loss.droppedBytes += r.bytes;
    if (this.loss.details.length < RECOVERY_LOSS_REGIONS_MAX) this.loss.details.push({ ...r });
    this.open++;
  }

  recordStarts(): void {
    this.atRecordStart = true;
  }

  op(seq: number): void {
    if (this.atRecordStart && this.open > 0) {
      if (this.expected === undefined) this.loss.droppedOpsExact = false; // nothing before to measure from
      this.loss.droppedOps += this.expected === undefined ? this.open : Math.max(seq - this.expected, this.open);
      this.open = 0;
    }
    this.atRecordStart = false;
    this.expected = seq + 1;
  }

  finish(): RecoveryLoss {
    if (this.open > 0) {
      this.loss.droppedOps += this.open;
      this.loss.droppedOpsExact = false;
    }
    return this.loss;
  }
}

/** Step 4: removes every engine file the installed manifest does not need. */
export function removeOrphans(vfs: Vfs, dir: string, state: ManifestState, manifestNumber: number): void {
  const live = new Set(state.levels.flatMap((l) => l.map((t) => t.fileNumber)));
  for (const name of vfs.list(dir)) {
    if (name === CURRENT_FILE || name === LOCK_FILE) continue;
    const log = parseLogFileName(name) ?? parseSyncMarkFileName(name);
    const table = parseTableFileName(name);
    const manifest = parseManifestFileName(name);
    const orphan =
      (log !== undefined && log < state.logNumber) ||
      (table !== undefined && !live.has(table)) ||
      (manifest !== undefined && manifest !== manifestNumber) ||
      name === 'CURRENT.tmp';
    if (orphan) vfs.remove(`${dir}/${name}`);
  }
}
