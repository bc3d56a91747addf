/**
 * Internal entries packed into transferable byte chunks: how a flush hands a
 * frozen memtable's entries to the table worker without structured-cloning
 * one object per entry.
 *
 * Layout of one entry: key length (u32 LE), key, seq (f64 LE: sequence
 * numbers are safe integers), kind (u8), value length (u32 LE), value.
 *
 * Invariants:
 *   1. A chunk holds whole entries only, in the order they were added.
 *   2. A chunk is at least `chunkBytes` long only when one entry alone needs
 *      more (a chunk is never split inside an entry).
 */
import type { EntryKind } from '../format/internal.js';

const ENTRY_OVERHEAD_BYTES = 4 + 8 + 1 + 4;

/** One packed chunk: its bytes (a whole ArrayBuffer, so it can be transferred) and its entry count. */
export interface EntryChunk {
  bytes: ArrayBuffer;
  entries: number;
}

/**
 * Packs entries into chunks of about `chunkBytes`.
 *
 * When to use: the engine side of a worker flush.
 * Details: `add` returns a full chunk when the next entry would not fit, else
 * undefined; `take` returns what is left (or undefined if nothing).
 */
export class EntryChunkWriter {
  private buf: Uint8Array;
  private view: DataView;
  private at = 0;
  private entries = 0;

  constructor(private readonly chunkBytes: number) {
    this.buf = new Uint8Array(chunkBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Adds one entry (invariant 1); returns the chunk it completed, if any. */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): EntryChunk | undefined {
    const need = ENTRY_OVERHEAD_BYTES + key.length + value.length;
    let done: EntryChunk | undefined;
    if (this.at + need > this.buf.length) {
      done = this.take();
      this.start(Math.max(this.chunkBytes, need));
    }
    const v = this.view;
    let at = this.at;
    v.setUint32(at, key.length, true);
    this.buf.set(key, at + 4);
    at += 4 + key.length;
    v.setFloat64(at, seq, true);
    v.setUint8(at + 8, kind);
    v.setUint32(at + 9, value.length, true);
    this.buf.set(value, at + 13);
    this.at = at + 13 + value.length;
    this.entries++;
    return done;
  }

  /** The entries added since the last chunk, as a chunk of exactly their size; undefined when there are none. */
  take(): EntryChunk | undefined {
    if (this.entries === 0) return undefined;
    const bytes = new ArrayBuffer(this.at);
    new Uint8Array(bytes).set(this.buf.subarray(0, this.at));
    const chunk = { bytes, entries: this.entries };
    this.start(this.chunkBytes);
    return chunk;
  }

  private start(size: number): void {
    if (this.buf.length !== size) {
      this.buf = new Uint8Array(size);
      this.view = new DataView(this.buf.buffer);
    }
    this.at = 0;
    this.entries = 0;
  }
}

/** Calls `fn` for every entry of `chunk` in order; key and value are views into the chunk. */
export function forEachEntry(chunk: ArrayBuffer, fn: (key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array) => void): void {
  const bytes = new Uint8Array(chunk);
  const v = new DataView(chunk);
  let at = 0;
  while (at < bytes.length) {
    const keyLength = v.getUint32(at, true);
    const key = bytes.subarray(at + 4, at + 4 + keyLength);
    at += 4 + keyLength;
    const seq = v.getFloat64(at, true);
    const kind = v.getUint8(at + 8) as EntryKind;
    const valueLength = v.getUint32(at + 9, true);
    const value = bytes.subarray(at + 13, at + 13 + valueLength);
    at += 13 + valueLength;
    fn(key, seq, kind, value);
  }
}
