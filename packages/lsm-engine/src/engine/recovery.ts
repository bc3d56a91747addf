/**
 * Recovery: from the files in a directory to a consistent engine state.
 *
 * Steps (LevelDB's `DB::Recover`):
 *   1. Read CURRENT and the manifest it names (or start fresh if there is no
 *      CURRENT and no data file).
 *   2. Replay every log segment numbered at or above the manifest's log
 *      number, oldest first, into memtables; a torn tail is accepted in the
 *      newest segment only (log-reader.ts) and reported.
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
import { readLog } from '../wal/log-reader.js';
import { addCheckpoint } from './checkpoints.js';
import {
  CURRENT_FILE,
  LOCK_FILE,
  logFileName,
  SPACE_PROBE_FILE,
  parseLogFileName,
  parseManifestFileName,
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
}

export interface RecoveredState {
  state: ManifestState;
  manifestNumber: number;
  replayedRecords: number;
  droppedTailBytes: number;
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
  for (let i = 0; i < logs.length; i++) {
    const name = logFileName(logs[i] as number);
    const data = p.vfs.readFile(`${p.dir}/${name}`);
    const result = readLog(data, `${p.dir}/${name}`, i === logs.length - 1, (payload) => {
      decodeBatch(payload, `${p.dir}/${name}`, (seq, kind, key, value) => {
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
  return { state, manifestNumber, replayedRecords, droppedTailBytes, bytesWritten };
}

/** Step 4: removes every engine file the installed manifest does not need. */
export function removeOrphans(vfs: Vfs, dir: string, state: ManifestState, manifestNumber: number): void {
  const live = new Set(state.levels.flatMap((l) => l.map((t) => t.fileNumber)));
  for (const name of vfs.list(dir)) {
    if (name === CURRENT_FILE || name === LOCK_FILE) continue;
    const log = parseLogFileName(name);
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
