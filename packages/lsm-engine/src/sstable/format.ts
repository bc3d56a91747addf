/**
 * SSTable on-disk constants, shared by the writer (`TableBuilder`) and the
 * reader (`TableReader`). docs/format/sstable.md (repository root) describes
 * the byte layout in prose; a change here is a format change and bumps
 * `FORMAT_VERSION`.
 *
 * File layout:
 *
 *     [data block 0][trailer] ... [data block n-1][trailer]
 *     [filter block][trailer] [properties block][trailer] [index block][trailer]
 *     [footer: FOOTER_BYTES]
 *
 * Invariants:
 *   1. Every block is followed by a BLOCK_TRAILER_BYTES trailer: a compression
 *      type byte and the masked CRC-32C of the stored block bytes plus that
 *      type byte. A handle's size excludes the trailer.
 *   2. The footer has a fixed size and sits at the very end of the file, so a
 *      reader finds everything else from the file size alone.
 *   3. All multi-byte fixed-width integers are little-endian.
 */
import { ByteWriter } from '../util/byte-writer.js';
import { getU32, getU64 } from '../util/varint.js';

/** The last 8 bytes of every table: ASCII "ringkvst", stored and compared as raw bytes (as a 64-bit number it would not be a safe integer). */
export const TABLE_MAGIC: Uint8Array = new Uint8Array([0x72, 0x69, 0x6e, 0x67, 0x6b, 0x76, 0x73, 0x74]);

/** Version of the layout below; a reader refuses any other. */
export const FORMAT_VERSION = 1;

/** Compression type byte of a block trailer. */
export const COMPRESSION_NONE = 0;
export const COMPRESSION_LZ4 = 1;

/** Type byte (1) + masked CRC-32C (4). */
export const BLOCK_TRAILER_BYTES = 5;

/** A block handle in the footer: offset (u64) + size (u32). */
export const HANDLE_FIXED_BYTES = 12;

/**
 * Footer: filter handle, properties handle, index handle (12 bytes each),
 * format version (u32), masked CRC-32C of the preceding 40 footer bytes (u32),
 * magic (8 bytes).
 */
export const FOOTER_BYTES = 3 * HANDLE_FIXED_BYTES + 4 + 4 + 8;

/** Bytes of a restart-point offset and of the restart count at the end of a block. */
export const RESTART_ENTRY_BYTES = 4;

/**
 * A block is stored compressed only when that saves at least this fraction
 * of its size (1/8, LevelDB's rule): below that, decompression costs more
 * read time than the bytes save.
 */
export const COMPRESSION_MIN_SAVING_RATIO = 0.125;

/**
 * Largest block a reader accepts (uncompressed or stored). A larger size in a
 * handle or lz4 header is corruption, not a reason to allocate gigabytes.
 * Values are at most 1 MiB by default (limits.ts), so a block holding one
 * value and key stays far below this.
 */
export const BLOCK_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Most bytes one byte of an lz4 block can expand to (the format's 255 : 1;
 * 64 MiB of zeros compresses to 263,183 bytes). A block whose lz4 size
 * prefix claims more than its stored bytes can hold is corruption, refused
 * before lz4-napi allocates the claimed size.
 */
export const LZ4_EXPANSION_MAX = 255;

/** Default target size of a data block before compression: small enough that a point read decodes little, large enough to compress well. */
export const DEFAULT_BLOCK_SIZE_BYTES = 4096;

/** Default number of entries between restart points: 16 trades one binary-search step per 16 entries against the space prefix compression saves. */
export const DEFAULT_RESTART_INTERVAL = 16;

/** Default bloom filter bits per key: 10 bits give about 1% false positives with 7 probes. */
export const DEFAULT_BLOOM_BITS_PER_KEY = 10;

/** Block placement in the file. `sizeBytes` excludes the trailer. */
export interface BlockHandle {
  offsetBytes: number;
  sizeBytes: number;
}

/** Everything the footer records. */
export interface Footer {
  filter: BlockHandle;
  properties: BlockHandle;
  index: BlockHandle;
  formatVersion: number;
}

/** Appends the footer's fixed-size encoding, CRC and magic included. */
export function encodeFooter(out: ByteWriter, footer: Footer, crcOf: (data: Uint8Array) => number): void {
  const start = out.length;
  for (const h of [footer.filter, footer.properties, footer.index]) {
    out.putU64(h.offsetBytes);
    out.putU32(h.sizeBytes);
  }
  out.putU32(footer.formatVersion);
  out.putU32(crcOf(out.view().subarray(start)));
  out.putBytes(TABLE_MAGIC);
}

/**
 * Decodes a footer, or explains why it is not one. The caller turns the
 * explanation into a `corruption` error naming the file and offset.
 */
export function decodeFooter(data: Uint8Array, crcOf: (data: Uint8Array) => number): Footer | string {
  if (data.length !== FOOTER_BYTES) return `footer is ${data.length} bytes, expected ${FOOTER_BYTES}`;
  for (let i = 0; i < TABLE_MAGIC.length; i++) {
    if (data[FOOTER_BYTES - 8 + i] !== TABLE_MAGIC[i]) return 'bad magic number';
  }
  const crcAt = 3 * HANDLE_FIXED_BYTES + 4;
  if (getU32(data, crcAt) !== crcOf(data.subarray(0, crcAt))) return 'footer checksum mismatch';
  const handle = (at: number): BlockHandle => ({ offsetBytes: getU64(data, at), sizeBytes: getU32(data, at + 8) });
  const formatVersion = getU32(data, 3 * HANDLE_FIXED_BYTES);
  if (formatVersion !== FORMAT_VERSION) return `unsupported format version ${formatVersion}`;
  return {
    filter: handle(0),
    properties: handle(HANDLE_FIXED_BYTES),
    index: handle(2 * HANDLE_FIXED_BYTES),
    formatVersion,
  };
}
