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
 * On a full disk (a flush in step 3 fails with `no-space`) recovery does not
 * need the room: it removes the tables it wrote, replays the logs again into
 * one memtable that stays unflushed (`unflushed`), keeps the old segments and
 * the current manifest, and the engine starts with writes blocked until a
 * retry can flush it (space.ts). Only a newest segment with a torn tail rules
 * this out (it would stop being the newest); then the open fails.
 *
 * Invariants:
 *   1. Nothing is deleted before the new manifest is durable; a crash at any
 *      point of recovery leaves the directory recoverable with the same data.
 *   2. Sequence and file numbers only grow: both resume above anything found
 *      in the manifest, the logs or the directory listing.
 */
import type { Clock } from '../clock.js';
import { isLsmError, LsmError } from '../errors.js';
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
  SPACE_PROBE_FILE,
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
  /** Number of the log segment the engine starts (`state.logNumber` unless the flush was deferred). */
  newLogNumber: number;
  /** On a full disk: the replayed data, not flushed (module header); its log segments are kept. */
  unflushed?: { memtable: Memtable; error: LsmError };
}

function maxFileNumber(names: readonly string[]): number {
  let max = 0;
  for (const name of names) {
    const n = parseLogFileName(name) ?? parseTableFileName(name) ?? parseManifestFileName(name) ?? 0;
    if (n > max) max = n;
  }
  return max;
}

function loadState(p: RecoveryParams, names: readonly string[]): { state: ManifestState; manifestNumber: number | undefined } {
  const current = readCurrentManifest(p.vfs, p.dir);
  if (!current) {
    const data = names.filter((n) => parseLogFileName(n) !== undefined || parseTableFileName(n) !== undefined);
    if (data.length > 0) throw new LsmError('corruption', `${p.dir}: ${CURRENT_FILE} is missing but ${data[0]} exists`);
    return { state: { nextFileNumber: 1, lastSeq: 0, logNumber: 0, checkpoints: [], levels: Array.from({ length: p.levels }, () => []) }, manifestNumber: undefined };
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
  return { state, manifestNumber: current.number };
}

/** Runs steps 1–4 of the module header, or on a full disk the fallback it describes. */
export async function recover(p: RecoveryParams): Promise<RecoveredState> {
  const flushed: TableMeta[] = [];
  try {
    return await recoverFlushing(p, flushed);
  } catch (error) {
    if (!isLsmError(error) || error.code !== 'no-space') throw error;
    for (const t of flushed) p.vfs.remove(`${p.dir}/${tableFileName(t.fileNumber)}`);
    return recoverUnflushed(p, error);
  }
}

/** Step 1 and the segments step 2 replays. */
function begin(p: RecoveryParams): { state: ManifestState; manifestNumber: number | undefined; logs: number[] } {
  const names = p.vfs.list(p.dir);
  const { state, manifestNumber } = loadState(p, names);
  state.nextFileNumber = Math.max(state.nextFileNumber, maxFileNumber(names) + 1);
  const logs = names
    .map(parseLogFileName)
    .filter((n): n is number => n !== undefined && n >= state.logNumber)
    .sort((a, b) => a - b);
  return { state, manifestNumber, logs };
}

/** Step 2: replays `logs` into memtables, calling `full` whenever one reaches `memtableBytes` (and once at the end). */
async function replay(
  p: RecoveryParams,
  state: ManifestState,
  logs: readonly number[],
  mem: { current: Memtable },
  full: () => Promise<void>,
  loss: LossCounter,
): Promise<{ records: number; droppedTailBytes: number }> {
  let records = 0;
  let droppedTailBytes = 0;
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
        mem.current.insert(key.slice(), seq, kind, value.slice());
        if (seq > state.lastSeq) state.lastSeq = seq;
      });
      records++;
    });
    droppedTailBytes += result.droppedBytes;
    if (mem.current.approximateBytes >= p.memtableBytes) await full();
  }
  if (mem.current.entries > 0) await full();
  return { records, droppedTailBytes };
}

async function recoverFlushing(p: RecoveryParams, flushed: TableMeta[]): Promise<RecoveredState> {
  const { state, logs } = begin(p);
  const mem = { current: new Memtable(0) };
  let bytesWritten = 0;
  const flush = async (): Promise<void> => {
    const n = state.nextFileNumber++;
    const meta = await writeTable(p.vfs, p.clock, p.dir, `${p.dir}/${tableFileName(n)}`, n, mem.current.iterator(), p.buildOptions);
    flushed.push(meta);
    bytesWritten += meta.sizeBytes;
    mem.current = new Memtable(0);
  };
  const loss = new LossCounter();
  const { records: replayedRecords, droppedTailBytes } = await replay(p, state, logs, mem, flush, loss);
  for (const t of flushed) (state.levels[0] as TableMeta[]).unshift(t);
  state.logNumber = state.nextFileNumber++;
  const manifestNumber = state.nextFileNumber++;
  addCheckpoint(state.checkpoints, state.lastSeq, p.clock.nowMs(), p.tombstoneGraceMs);
  bytesWritten += await installManifest(p.vfs, p.dir, manifestNumber, state);
  removeOrphans(p.vfs, p.dir, state, manifestNumber);
  return { state, manifestNumber, replayedRecords, droppedTailBytes, corruption: loss.finish(), bytesWritten, newLogNumber: state.logNumber };
}

/** The full-disk fallback (module header): one unflushed memtable, old segments and manifest kept, nothing written. */
async function recoverUnflushed(p: RecoveryParams, error: LsmError): Promise<RecoveredState> {
  const { state, manifestNumber, logs } = begin(p);
  const mem = { current: new Memtable(state.logNumber) };
  const loss = new LossCounter();
  const { records, droppedTailBytes } = await replay(p, state, logs, mem, async () => {}, loss);
  // A torn newest segment must stay the newest (invariant 4 of the log), so a new segment cannot follow it.
  if (droppedTailBytes > 0 || manifestNumber === undefined) throw error;
  addCheckpoint(state.checkpoints, state.lastSeq, p.clock.nowMs(), p.tombstoneGraceMs);
  const newLogNumber = state.nextFileNumber++;
  const unflushed = mem.current.entries > 0 ? { memtable: mem.current, error } : undefined;
  return { state, manifestNumber, replayedRecords: records, droppedTailBytes, corruption: loss.finish(), bytesWritten: 0, newLogNumber, unflushed };
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
      name === 'CURRENT.tmp' ||
      name === SPACE_PROBE_FILE;
    if (orphan) vfs.remove(`${dir}/${name}`);
  }
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
