/**
 * Reads one SSTable: point lookups and ordered iteration (format.ts has the
 * layout).
 *
 * Invariants:
 *   1. `open` verifies the footer (size, magic, version, checksum), that every
 *      handle lies inside the file before the footer, and the checksums of the
 *      index, filter and properties blocks. A data block's checksum is
 *      verified when it is first read, before it is decoded or cached.
 *   2. Every structural problem is an `LsmError('corruption')` whose message
 *      names the file path and the byte offset; nothing is skipped.
 *   3. The index is decoded once at open into flat arrays; a lookup is a
 *      binary search over them and never touches the index block again.
 *
 * Concurrency: synchronous. A reader may serve any number of iterators and
 * lookups; after `close()` none of them may be used (the `TableCache`'s
 * reference counts guarantee that for the engine).
 */
import { uncompressSync } from 'lz4-napi';
import type { VfsReadFile } from '../vfs/vfs.js';
import { SEQ_MAX, type EntryKind, type InternalEntry, type InternalIterator } from '../format/internal.js';
import { LsmError } from '../errors.js';
import { crc32c, maskCrc } from '../util/crc32c.js';
import { getU32, getVarint } from '../util/varint.js';
import { Block, type BlockIterator } from './block.js';
import type { BlockCache, BlockCacheHandle } from './block-cache.js';
import { bloomMayContain } from './bloom.js';
import { decodeProperties, type TableProperties } from './properties.js';
import type { TableMeta } from './types.js';
import {
  BLOCK_BYTES_MAX,
  BLOCK_TRAILER_BYTES,
  COMPRESSION_LZ4,
  COMPRESSION_NONE,
  FOOTER_BYTES,
  LZ4_EXPANSION_MAX,
  decodeFooter,
  type BlockHandle,
} from './format.js';

const EMPTY = new Uint8Array(0);

/** Sequential reads double the readahead from this size after two consecutive blocks... */
const READAHEAD_MIN_BYTES = 16 * 1024;
/** ...up to this size: 16 blocks of 4 KiB per read call, about RocksDB's auto-readahead. */
const READAHEAD_MAX_BYTES = 128 * 1024;

/** An iterator's readahead state: the buffered bytes of the file at `offset`, and how much the next miss reads. */
export interface Readahead {
  offset: number;
  bytes: Uint8Array;
  nextBytes: number;
}

function corruption(path: string, offset: number, what: string): LsmError {
  return new LsmError('corruption', `${what} in ${path} at offset ${offset}`);
}

/**
 * An open SSTable.
 *
 * When to use: through a `TableCache`, which bounds open files and keeps
 * readers alive while iterators use them; directly in tests and tools.
 * Details: `get` returns the newest version of a key visible at a snapshot,
 * tombstones included, with a value the caller owns; `iterator()` walks every
 * entry in internal order.
 * Gotchas: `open` takes ownership of `file` and `close()` closes it; iterator
 * keys and values are views into cached blocks and must not be mutated.
 */
export class TableReader {
  /** The table's own description (properties block plus the file size). */
  readonly meta: TableMeta;
  readonly properties: TableProperties;
  /**
   * Index arrays (invariant 3): separator i is sepBytes[sepStarts[i],
   * sepStarts[i+1]) with seq sepSeqs[i]; data block i is at blockOffsets[i],
   * blockSizes[i] bytes. One flat byte array keeps the binary search in few
   * cache lines.
   */
  private sepBytes: Uint8Array = EMPTY;
  private sepStarts: Uint32Array = new Uint32Array(1);
  private sepSeqs: Float64Array = new Float64Array(0);
  private blockOffsets: Float64Array = new Float64Array(0);
  private blockSizes: Uint32Array = new Uint32Array(0);
  /** Handles of blocks this reader put in or found in the cache, by block index (revalidated with `touch`). */
  private readonly cacheHandles: (BlockCacheHandle | undefined)[] = [];
  private readonly filter: Uint8Array;
  private closed = false;
  /** The cursor point lookups reuse (lookups are synchronous, so one suffices); it keeps its last block reachable, at most one block per open table. */
  private scratch: BlockIterator | undefined;

  private constructor(
    private readonly file: VfsReadFile,
    readonly fileNumber: number,
    private readonly cache: BlockCache,
  ) {
    const size = file.size();
    if (size < FOOTER_BYTES) throw corruption(file.path, 0, `file of ${size} bytes is too short for a footer (truncated?)`);
    const footerAt = size - FOOTER_BYTES;
    const footer = decodeFooter(file.read(footerAt, FOOTER_BYTES), (d) => maskCrc(crc32c(d)));
    if (typeof footer === 'string') throw corruption(file.path, footerAt, footer);
    this.filter = this.readChecked(footer.filter, footerAt, 'filter block');
    const props = decodeProperties(this.readChecked(footer.properties, footerAt, 'properties block'));
    if (typeof props === 'string') throw corruption(file.path, footer.properties.offsetBytes, props);
    this.properties = props;
    this.meta = {
      fileNumber,
      sizeBytes: size,
      entries: props.entries,
      tombstones: props.tombstones,
      smallestKey: props.smallestKey,
      largestKey: props.largestKey,
      smallestSeq: props.smallestSeq,
      largestSeq: props.largestSeq,
    };
    this.decodeIndex(footer.index, footerAt);
  }

  /** Opens and validates a table (invariant 1); throws `corruption` if it is not a well-formed table. */
  static open(file: VfsReadFile, fileNumber: number, cache: BlockCache): TableReader {
    return new TableReader(file, fileNumber, cache);
  }

  /** Number of data blocks. */
  get dataBlocks(): number {
    return this.blockOffsets.length;
  }

  /** False only if the bloom filter proves no version of `key` is in the table. */
  mayContain(key: Uint8Array): boolean {
    return bloomMayContain(this.filter, key);
  }

  /** The newest entry for `key` with seq <= `snapshotSeq` (a tombstone is returned as such), or undefined. */
  get(key: Uint8Array, snapshotSeq: number): InternalEntry | undefined {
    if (!bloomMayContain(this.filter, key)) return undefined;
    const n = this.blockOffsets.length;
    for (let i = this.findBlock(key, snapshotSeq); i < n; i++) {
      const block = this.readBlock(i, true);
      let it = this.scratch;
      if (it === undefined) this.scratch = it = block.iterator();
      else it.reset(block);
      it.seek(key, snapshotSeq);
      // The target may sort after the block's last entry but before its separator: then the answer opens the next block.
      if (!it.valid()) continue;
      if (it.compareKey(key) !== 0) return undefined;
      return { key, seq: it.curSeq, kind: it.curKind, value: it.valueCopy() };
    }
    return undefined;
  }

  /**
   * A cursor over every entry. `fillCache: false` (compaction) reads blocks
   * without inserting them in the block cache, so a compaction does not evict
   * the blocks point reads need. `onClose` runs once when the cursor is closed.
   */
  iterator(options: { fillCache?: boolean; onClose?: () => void } = {}): InternalIterator {
    return new TableIterator(this, options.fillCache ?? true, options.onClose);
  }

  /** Closes the file. Using the reader or its iterators afterwards is a bug. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }

  /** Index of the first data block whose separator is >= (key, seq); `dataBlocks` if none. */
  findBlock(key: Uint8Array, seq: number): number {
    const bytes = this.sepBytes;
    const starts = this.sepStarts;
    const keyLen = key.length;
    let lo = 0;
    let hi = this.sepSeqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = starts[mid] as number;
      const len = (starts[mid + 1] as number) - start;
      const n = len < keyLen ? len : keyLen;
      let c = 0;
      for (let j = 0; j < n && c === 0; j++) c = (bytes[start + j] as number) - (key[j] as number);
      if (c === 0) c = len - keyLen;
      if (c < 0 || (c === 0 && (this.sepSeqs[mid] as number) > seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The decoded data block `i`, from the cache or read, verified and
   * decompressed. With `readahead` (sequential iteration), a miss reads
   * `readahead.nextBytes` of the following blocks in the same call and later
   * misses are served from those bytes.
   */
  readBlock(i: number, fillCache: boolean, readahead?: Readahead): Block {
    const known = this.cacheHandles[i];
    if (known !== undefined && this.cache.touch(known)) return known.block;
    const offset = this.blockOffsets[i] as number;
    const found = this.cache.find(this.fileNumber, offset);
    if (found !== undefined) {
      this.cacheHandles[i] = found;
      return found.block;
    }
    const handle = { offsetBytes: offset, sizeBytes: this.blockSizes[i] as number };
    if (readahead !== undefined && readahead.nextBytes > 0) this.fillReadahead(i, readahead);
    const block = new Block(this.readChecked(handle, Number.MAX_SAFE_INTEGER, 'data block', readahead), `${this.file.path} data block at offset ${offset}`);
    if (fillCache) this.cacheHandles[i] = this.cache.insert(this.fileNumber, offset, block);
    return block;
  }

  /** Loads blocks i.. (up to `readahead.nextBytes`, at least block i) in one read, unless block i is already buffered. */
  private fillReadahead(i: number, readahead: Readahead): void {
    const start = this.blockOffsets[i] as number;
    const blockEnd = start + (this.blockSizes[i] as number) + BLOCK_TRAILER_BYTES;
    if (start >= readahead.offset && blockEnd <= readahead.offset + readahead.bytes.length) return;
    let end = blockEnd;
    for (let j = i + 1; j < this.blockOffsets.length; j++) {
      const e = (this.blockOffsets[j] as number) + (this.blockSizes[j] as number) + BLOCK_TRAILER_BYTES;
      if (e - start > readahead.nextBytes) break;
      end = e;
    }
    readahead.offset = start;
    readahead.bytes = this.file.read(start, end - start);
  }

  /** Reads a block and its trailer, checks bounds and checksum, and decompresses it. */
  private readChecked(handle: BlockHandle, limitBytes: number, what: string, readahead?: Readahead): Uint8Array {
    const path = this.file.path;
    const at = handle.offsetBytes;
    const total = handle.sizeBytes + BLOCK_TRAILER_BYTES;
    if (handle.sizeBytes > BLOCK_BYTES_MAX || at + total > limitBytes) {
      throw corruption(path, at, `${what} handle (size ${handle.sizeBytes}) points outside the file`);
    }
    const fromReadahead = readahead !== undefined && at >= readahead.offset && at + total <= readahead.offset + readahead.bytes.length;
    // Not from readahead: read into the shared scratch buffer (one allocation fewer per cache miss); every
    // path below either decompresses into a new buffer or copies, so nothing keeps a view of the scratch.
    const raw = fromReadahead ? readahead.bytes.subarray(at - readahead.offset, at - readahead.offset + total) : this.readScratch(at, total);
    if (raw.length < total) throw corruption(path, at, `${what} truncated (${raw.length} of ${total} bytes)`);
    const type = raw[handle.sizeBytes] as number;
    const stored = maskCrc(crc32c(raw, 0, 0, handle.sizeBytes + 1));
    if (getU32(raw, handle.sizeBytes + 1) !== stored) throw corruption(path, at, `${what} checksum mismatch`);
    // A plain Uint8Array view even when the Vfs or lz4 hands out a Buffer: Buffer's slice() does not copy, and callers copy with slice().
    const body = new Uint8Array(raw.buffer, raw.byteOffset, handle.sizeBytes);
    // An uncompressed block is copied out of the readahead or scratch buffer: the cache must own its bytes.
    if (type === COMPRESSION_NONE) return body.slice();
    if (type !== COMPRESSION_LZ4) throw corruption(path, at, `${what} has unknown compression type ${type}`);
    return decompress(body, path, at, what);
  }

  /** `total` bytes at `at` in the shared scratch buffer (a view valid until the next read), fewer at end of file. */
  private readScratch(at: number, total: number): Uint8Array {
    if (total > SCRATCH_BYTES_MAX) return this.file.read(at, total);
    if (scratch.length < total) scratch = new Uint8Array(Math.max(total, scratch.length * 2));
    const n = this.file.readInto(at, total, scratch);
    return scratch.subarray(0, n);
  }

  private decodeIndex(handle: BlockHandle, footerAt: number): void {
    const path = this.file.path;
    const block = new Block(this.readChecked(handle, footerAt, 'index block'), `${path} index block at offset ${handle.offsetBytes}`);
    const it = block.iterator();
    const cur = { pos: 0 };
    const keys: Uint8Array[] = [];
    const seqs: number[] = [];
    const offsets: number[] = [];
    const sizes: number[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) {
      const v = it.value();
      cur.pos = 0;
      const offset = getVarint(v, cur, v.length);
      const size = getVarint(v, cur, v.length);
      if (offset < 0 || size < 0 || offset + size + BLOCK_TRAILER_BYTES > handle.offsetBytes || size > BLOCK_BYTES_MAX) {
        throw corruption(path, handle.offsetBytes, `index entry ${keys.length} points outside the data region`);
      }
      keys.push(it.key());
      seqs.push(it.curSeq);
      offsets.push(offset);
      sizes.push(size);
    }
    this.sepStarts = new Uint32Array(keys.length + 1);
    let total = 0;
    keys.forEach((k, i) => {
      this.sepStarts[i] = total;
      total += k.length;
    });
    this.sepStarts[keys.length] = total;
    this.sepBytes = new Uint8Array(total);
    keys.forEach((k, i) => this.sepBytes.set(k, this.sepStarts[i] as number));
    this.sepSeqs = Float64Array.from(seqs);
    this.blockOffsets = Float64Array.from(offsets);
    this.blockSizes = Uint32Array.from(sizes);
  }
}

/**
 * Scratch for block reads, shared by every reader: reads are synchronous and
 * the bytes are checked and decompressed (or copied) before the next one.
 */
let scratch = new Uint8Array(16 * 1024);
/** Larger reads (big index blocks, huge values) get their own buffer so the scratch stays small. */
const SCRATCH_BYTES_MAX = 1024 * 1024;

function decompress(body: Uint8Array, path: string, at: number, what: string): Uint8Array {
  // lz4-napi prefixes the uncompressed size (u32 LE) and allocates whatever it says: refuse a size
  // above the block limit, or more than the stored bytes can expand to, before allocating.
  if (body.length < 4) throw corruption(path, at, `${what} has a bad lz4 header`);
  const claimed = getU32(body, 0);
  if (claimed > BLOCK_BYTES_MAX || claimed > (body.length - 4) * LZ4_EXPANSION_MAX) {
    throw corruption(path, at, `${what} has a bad lz4 header (claims ${claimed} bytes from ${body.length - 4})`);
  }
  try {
    const out = uncompressSync(body);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (cause) {
    throw new LsmError('corruption', `${what} does not decompress in ${path} at offset ${at}`, { cause });
  }
}

/**
 * Two-level iterator: a position in the index and a cursor in the current
 * data block. Invariant: when valid, `blockIt` is positioned on an entry;
 * empty blocks are skipped forward.
 */
class TableIterator implements InternalIterator {
  private blockIndex = 0;
  private blockIt: BlockIterator | undefined;
  private closed = false;
  /**
   * Readahead grows while the cursor walks blocks in order (a scan or a
   * compaction) and is dropped by a seek, so a short range read costs one
   * block read, not a large one.
   */
  private readonly readahead: Readahead = { offset: 0, bytes: EMPTY, nextBytes: 0 };
  private sequentialBlocks = 0;

  constructor(
    private readonly reader: TableReader,
    private readonly fillCache: boolean,
    private readonly onClose: (() => void) | undefined,
  ) {}

  seekToFirst(): void {
    this.resetReadahead();
    this.load(0);
    this.blockIt?.seekToFirst();
    this.skipEmptyBlocks();
  }

  seek(target: Uint8Array): void {
    this.resetReadahead();
    this.load(this.reader.findBlock(target, SEQ_MAX));
    this.blockIt?.seek(target, SEQ_MAX);
    this.skipEmptyBlocks();
  }

  valid(): boolean {
    return this.blockIt !== undefined && this.blockIt.valid();
  }

  next(): void {
    (this.blockIt as BlockIterator).next();
    this.skipEmptyBlocks();
  }

  key(): Uint8Array {
    return this.blockIt?.key() ?? EMPTY;
  }

  seq(): number {
    return this.blockIt?.curSeq ?? 0;
  }

  kind(): EntryKind {
    return (this.blockIt?.curKind ?? 1) as EntryKind;
  }

  value(): Uint8Array {
    return this.blockIt?.value() ?? EMPTY;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.blockIt = undefined;
    this.readahead.bytes = EMPTY;
    this.onClose?.();
  }

  private resetReadahead(): void {
    this.blockIndex = -2; // the next load is not "the block after the previous one"
    this.sequentialBlocks = 0;
    this.readahead.nextBytes = 0;
    this.readahead.bytes = EMPTY;
  }

  private load(i: number): void {
    if (i === this.blockIndex + 1) {
      this.sequentialBlocks++;
      if (this.sequentialBlocks >= 2) this.readahead.nextBytes = Math.min(READAHEAD_MAX_BYTES, Math.max(READAHEAD_MIN_BYTES, this.readahead.nextBytes * 2));
    }
    this.blockIndex = i;
    this.blockIt = i < this.reader.dataBlocks ? this.reader.readBlock(i, this.fillCache, this.readahead).iterator() : undefined;
  }

  private skipEmptyBlocks(): void {
    while (this.blockIt !== undefined && !this.blockIt.valid()) {
      this.load(this.blockIndex + 1);
      this.blockIt?.seekToFirst();
    }
  }
}
