/**
 * Appends records to one commit log segment, fragmenting them across
 * BLOCK_BYTES blocks (format.ts).
 *
 * Concurrency model: synchronous; one writer per segment. Each record is
 * assembled in a reused buffer and handed to the file in one `append`, so a
 * record costs one write call however many fragments it has. Durability is the
 * caller's business (`VfsAppendFile.sync`, group commit in log-manager.ts).
 *
 * Invariants:
 *   1. `blockOffset` is the file size modulo BLOCK_BYTES.
 *   2. A fragment never crosses a block boundary; fewer than HEADER_BYTES left
 *      in a block are filled with zeros.
 */
import { maskCrc, crc32c } from '../util/crc32c.js';
import { ByteWriter } from '../util/byte-writer.js';
import type { VfsAppendFile } from '../vfs/vfs.js';
import {
  BLOCK_BYTES,
  FRAGMENT_FIRST,
  FRAGMENT_FULL,
  FRAGMENT_LAST,
  FRAGMENT_MIDDLE,
  HEADER_BYTES,
} from './format.js';

const ZEROS = new Uint8Array(HEADER_BYTES);

export class LogWriter {
  private blockOffset: number;
  private readonly out = new ByteWriter(4096);
  private readonly typeByte = new Uint8Array(1);

  constructor(readonly file: VfsAppendFile) {
    this.blockOffset = file.size() % BLOCK_BYTES;
  }

  /** Appends one record (not yet durable). Returns the file size after it. */
  addRecord(payload: Uint8Array): number {
    const out = this.out;
    out.reset();
    let pos = 0;
    let first = true;
    do {
      const left = BLOCK_BYTES - this.blockOffset;
      if (left < HEADER_BYTES) {
        out.putBytes(ZEROS, 0, left);
        this.blockOffset = 0;
        continue;
      }
      const room = left - HEADER_BYTES;
      const n = Math.min(room, payload.length - pos);
      const last = pos + n === payload.length;
      const type = first ? (last ? FRAGMENT_FULL : FRAGMENT_FIRST) : last ? FRAGMENT_LAST : FRAGMENT_MIDDLE;
      this.emit(type, payload, pos, pos + n);
      pos += n;
      first = false;
      if (last) break;
    } while (true);
    this.file.append(out.view());
    return this.file.size();
  }

  private emit(type: number, payload: Uint8Array, start: number, end: number): void {
    this.typeByte[0] = type;
    const crc = crc32c(payload, crc32c(this.typeByte), start, end);
    const out = this.out;
    out.putU32(maskCrc(crc));
    out.putU8((end - start) & 0xff);
    out.putU8((end - start) >>> 8);
    out.putU8(type);
    out.putBytes(payload, start, end);
    this.blockOffset += HEADER_BYTES + end - start;
    if (this.blockOffset === BLOCK_BYTES) this.blockOffset = 0;
  }
}
