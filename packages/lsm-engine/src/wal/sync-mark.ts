/**
 * The synced-size mark of a log segment: a small file `NNNNNN.logsync` beside
 * segment `NNNNNN.log` that records, durably, how many bytes of the segment
 * were fsynced. Recovery uses it to tell a torn tail (the crash cut writes
 * that were never acknowledged as durable) from damage to data that was
 * synced (a flipped byte, a truncation): below the mark, any bad or missing
 * byte is corruption.
 *
 * Layout: a sequence of 12-byte entries, appended, each
 *     synced size (u64 LE, below 2^53) | masked CRC-32C of those 8 bytes (u32 LE)
 * Sizes only grow; the reader takes the largest valid entry, so a torn last
 * append loses only that entry.
 *
 * Invariants:
 *   1. An entry is appended only after an fsync of the segment that covered
 *      that many bytes completed, and is itself fsynced before the next entry
 *      is written: the mark is a lower bound of the segment's durable size.
 *   2. Marking never fails a write: it runs beside the commit path, and a
 *      failed or missing mark only weakens detection to "torn tail".
 */
import { crc32c, maskCrc, unmaskCrc } from '../util/crc32c.js';
import { getU32, getU64 } from '../util/varint.js';
import type { Vfs, VfsAppendFile } from '../vfs/vfs.js';

const ENTRY_BYTES = 12;

/** Mark file name of log number `n`. */
export function syncMarkFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.logsync`;
}

/** The log number of a mark file name, or undefined if the name is not one. */
export function parseSyncMarkFileName(name: string): number | undefined {
  const m = /^(\d+)\.logsync$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function encodeEntry(size: number): Uint8Array {
  const out = new Uint8Array(ENTRY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, size >>> 0, true);
  view.setUint32(4, Math.floor(size / 0x1_0000_0000), true);
  view.setUint32(8, maskCrc(crc32c(out, 0, 0, 8)), true);
  return out;
}

/** The synced size a mark file's contents record (0 if none is readable). */
export function decodeSyncMark(data: Uint8Array): number {
  let best = 0;
  for (let at = 0; at + ENTRY_BYTES <= data.length; at += ENTRY_BYTES) {
    if (unmaskCrc(getU32(data, at + 8)) !== crc32c(data, 0, at, at + 8)) continue;
    best = Math.max(best, getU64(data, at));
  }
  return best;
}

/** Reads the mark of segment `n` in `dir` (0 if absent or unreadable). */
export function readSyncMark(vfs: Vfs, dir: string, n: number): number {
  const path = `${dir}/${syncMarkFileName(n)}`;
  return vfs.exists(path) ? decodeSyncMark(vfs.readFile(path)) : 0;
}

/**
 * Writes the marks of one segment. Concurrency model: `advance` chains
 * writes, so at most one append + fsync of the mark file is in flight.
 */
export class SyncMarker {
  private file: VfsAppendFile | undefined;
  private marked = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly number: number,
  ) {}

  /** Bytes the last written (or queued) mark covers. */
  get markedBytes(): number {
    return this.marked;
  }

  /** Queues a mark of `syncedBytes` (invariant 1); returns when it is durable or has failed. */
  advance(syncedBytes: number): Promise<void> {
    if (syncedBytes <= this.marked) return this.chain;
    this.marked = syncedBytes;
    this.chain = this.chain.then(() => this.write(syncedBytes)).catch(() => {}); // invariant 2
    return this.chain;
  }

  private async write(size: number): Promise<void> {
    if (!this.file) {
      this.file = this.vfs.create(`${this.dir}/${syncMarkFileName(this.number)}`);
      await this.vfs.syncDir(this.dir);
    }
    this.file.append(encodeEntry(size));
    await this.file.sync();
  }

  /** Waits for queued marks and closes the file. */
  async close(): Promise<void> {
    await this.chain;
    this.file?.close();
  }
}
