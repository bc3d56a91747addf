/**
 * Writes one SSTable from entries given in internal order (format.ts has the
 * layout, docs/format/sstable.md the prose).
 *
 * Invariants:
 *   1. `add` accepts only strictly increasing internal order; anything else is
 *      a bug in the caller and fails an assertion.
 *   2. The index entry of a data block is written only when the next block's
 *      first key is known, so its separator can be shortened: it is >= the
 *      block's last internal key and < the next block's first one.
 *   3. Output is buffered and handed to the file in chunks of at least
 *      WRITE_CHUNK_BYTES, and everything is appended by the time `finish`
 *      returns; syncing and closing the file stay with the caller.
 *
 * Concurrency: synchronous and single-owner; one builder per file.
 */
import { compressSync } from 'lz4-napi';
import type { VfsAppendFile } from '../vfs/vfs.js';
import { compareBytes, KIND_DELETE, KIND_PUT, SEQ_MAX, type EntryKind } from '../format/internal.js';
import { crc32c, maskCrc } from '../util/crc32c.js';
import { ByteWriter } from '../util/byte-writer.js';
import { KeyBuffer } from '../util/key-buffer.js';
import { BlockBuilder } from './block.js';
import { BloomBuilder } from './bloom.js';
import { encodeProperties } from './properties.js';
import type { TableBuildOptions, TableMeta } from './types.js';
import {
  BLOCK_TRAILER_BYTES,
  COMPRESSION_LZ4,
  COMPRESSION_MIN_SAVING_RATIO,
  COMPRESSION_NONE,
  FOOTER_BYTES,
  FORMAT_VERSION,
  encodeFooter,
  type BlockHandle,
} from './format.js';

/** Output is passed to the file in chunks of about this size, so a table costs few append calls. */
const WRITE_CHUNK_BYTES = 64 * 1024;

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`lsm-engine: assertion failed: ${message}`);
}

/**
 * Builds an SSTable into an append-only file.
 *
 * When to use: flushing a memtable and writing compaction outputs.
 * Details: entries must arrive in strictly increasing internal order (key
 * ascending, seq descending); `finish()` writes the last block, the filter,
 * properties, index and footer and returns the table's `TableMeta`.
 * Gotchas: the builder never syncs or closes the file: the caller awaits
 * `file.sync()` and closes it, and only then may record the table in the
 * manifest. A builder is not reusable after `finish()`.
 */
export class TableBuilder {
  private readonly data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private readonly bloom: BloomBuilder;
  private readonly pending = new ByteWriter(WRITE_CHUNK_BYTES + 8192);
  private readonly lastKey = new KeyBuffer();
  private readonly handleBytes = new ByteWriter(16);
  private offsetBytes = 0;
  private lastSeq = 0;
  private entries = 0;
  private tombstones = 0;
  private dataBlocks = 0;
  private rawKeyBytes = 0;
  private rawValueBytes = 0;
  private smallestKey: Uint8Array = new Uint8Array(0);
  private smallestSeq = SEQ_MAX;
  private largestSeq = 0;
  /** Handle of the last finished data block whose index entry still waits for the next key (invariant 2). */
  private pendingHandle: BlockHandle | undefined;
  private finished = false;

  constructor(
    private readonly file: VfsAppendFile,
    private readonly fileNumber: number,
    private readonly options: TableBuildOptions,
  ) {
    assert(options.blockSizeBytes >= 1, 'blockSizeBytes >= 1');
    assert(options.restartInterval >= 1, 'restartInterval >= 1');
    assert(options.bloomBitsPerKey >= 0, 'bloomBitsPerKey >= 0');
    this.data = new BlockBuilder(options.restartInterval);
    this.bloom = new BloomBuilder(options.bloomBitsPerKey);
  }

  /** Appends one entry (invariant 1). Copies what it keeps of `key` and `value`. */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    assert(!this.finished, 'add after finish');
    assert(Number.isSafeInteger(seq) && seq >= 0, `seq ${seq} is a non-negative safe integer`);
    assert(kind === KIND_PUT || kind === KIND_DELETE, `kind ${kind} is known`);
    const c = this.entries === 0 ? 1 : -this.lastKey.compare(key);
    if (this.entries === 0) this.smallestKey = key.slice();
    assert(c > 0 || (c === 0 && seq < this.lastSeq), 'entries arrive in strictly increasing internal order');
    if (this.pendingHandle !== undefined) {
      const last = this.lastKey.copy();
      this.writeIndexEntry(separator(last, key), last, this.lastSeq);
    }
    if (c !== 0) this.bloom.addKey(key);
    this.data.add(key, seq, kind, value);
    if (c !== 0) this.lastKey.set(key);
    this.lastSeq = seq;
    this.entries++;
    if (kind === KIND_DELETE) this.tombstones++;
    this.rawKeyBytes += key.length;
    this.rawValueBytes += value.length;
    if (seq < this.smallestSeq) this.smallestSeq = seq;
    if (seq > this.largestSeq) this.largestSeq = seq;
    if (this.data.estimatedSizeBytes() >= this.options.blockSizeBytes) this.finishDataBlock();
  }

  /** Size of the file if finished now, not counting filter, index and footer: what compaction cuts outputs on. */
  estimatedSizeBytes(): number {
    return this.offsetBytes + this.data.estimatedSizeBytes();
  }

  /** Writes everything that remains (invariant 3) and describes the table. */
  finish(): TableMeta {
    assert(!this.finished, 'finish called twice');
    if (this.data.entries > 0) this.finishDataBlock();
    const last = this.lastKey.copy();
    if (this.pendingHandle !== undefined) this.writeIndexEntry(last, last, this.lastSeq);
    const filter = this.writeBlock(this.bloom.finish(), false);
    const largestKey = last;
    const properties = this.writeBlock(
      encodeProperties({
        fileNumber: this.fileNumber,
        entries: this.entries,
        tombstones: this.tombstones,
        smallestSeq: this.entries > 0 ? this.smallestSeq : 0,
        largestSeq: this.largestSeq,
        dataBlocks: this.dataBlocks,
        rawKeyBytes: this.rawKeyBytes,
        rawValueBytes: this.rawValueBytes,
        smallestKey: this.smallestKey,
        largestKey,
      }),
      false,
    );
    const index = this.writeBlock(this.index.finish(), false);
    encodeFooter(this.pending, { filter, properties, index, formatVersion: FORMAT_VERSION }, (d) => maskCrc(crc32c(d)));
    this.offsetBytes += FOOTER_BYTES;
    this.flushPending();
    this.finished = true;
    return {
      fileNumber: this.fileNumber,
      sizeBytes: this.offsetBytes,
      entries: this.entries,
      tombstones: this.tombstones,
      smallestKey: this.smallestKey,
      largestKey,
      smallestSeq: this.entries > 0 ? this.smallestSeq : 0,
      largestSeq: this.largestSeq,
    };
  }

  private finishDataBlock(): void {
    this.pendingHandle = this.writeBlock(this.data.finish(), this.options.compression === 'lz4');
    this.data.reset();
    this.dataBlocks++;
  }

  private writeIndexEntry(sepKey: Uint8Array, lastKey: Uint8Array, lastSeq: number): void {
    const handle = this.pendingHandle as BlockHandle;
    this.handleBytes.reset();
    this.handleBytes.putVarint(handle.offsetBytes);
    this.handleBytes.putVarint(handle.sizeBytes);
    // A shortened separator is > the block's last user key, so the smallest internal key with that user key (SEQ_MAX) is enough.
    const sepSeq = compareBytes(sepKey, lastKey) === 0 ? lastSeq : SEQ_MAX;
    this.index.add(sepKey, sepSeq, KIND_PUT, this.handleBytes.view());
    this.pendingHandle = undefined;
  }

  /** Appends a block and its trailer to the pending output; lz4 when it saves enough. */
  private writeBlock(raw: Uint8Array, mayCompress: boolean): BlockHandle {
    let stored = raw;
    let type = COMPRESSION_NONE;
    if (mayCompress) {
      const compressed = compressSync(Buffer.from(raw.buffer, raw.byteOffset, raw.length));
      if (compressed.length <= raw.length * (1 - COMPRESSION_MIN_SAVING_RATIO)) {
        stored = compressed;
        type = COMPRESSION_LZ4;
      }
    }
    const handle = { offsetBytes: this.offsetBytes, sizeBytes: stored.length };
    const out = this.pending;
    out.putBytes(stored);
    out.putU8(type);
    const crc = crc32c(out.view(), crc32c(stored), out.length - 1, out.length);
    out.putU32(maskCrc(crc));
    this.offsetBytes += stored.length + BLOCK_TRAILER_BYTES;
    if (out.length >= WRITE_CHUNK_BYTES) this.flushPending();
    return handle;
  }

  /** Appends buffered bytes to the file. */
  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.file.append(this.pending.view());
    this.pending.reset();
  }
}

/**
 * A short user key s with a <= s < b (a < b), or a itself when a == b or
 * nothing shorter exists (LevelDB's FindShortestSeparator): short index keys
 * keep the index small and its binary search fast.
 */
export function separator(a: Uint8Array, b: Uint8Array): Uint8Array {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i >= n) return a; // one is a prefix of the other (or equal)
  const byte = a[i] as number;
  if (byte < 0xff && byte + 1 < (b[i] as number)) {
    const s = a.slice(0, i + 1);
    s[i] = byte + 1;
    return s;
  }
  return a;
}
