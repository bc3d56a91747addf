/**
 * Commit log constants, shared by `LogWriter` and `readLog`. The byte layout
 * is specified in prose in docs/format/wal.md (repository root); a change here
 * is a format change.
 *
 * Layout (LevelDB's log format): a segment is a sequence of BLOCK_BYTES
 * blocks. A block holds fragments, each a HEADER_BYTES header
 *
 *     masked CRC-32C (u32 LE) | payload length (u16 LE) | fragment type (u8)
 *
 * followed by the payload. The CRC covers the type byte and the payload. A
 * record that does not fit in the rest of a block is split into FIRST, MIDDLE…
 * and LAST fragments; one that fits is a single FULL fragment. Fewer than
 * HEADER_BYTES left at the end of a block are zero padding.
 *
 * A record's payload is a write batch:
 *
 *     first seq (u64 LE) | op count (u32 LE) | ops…
 *     op = kind (u8: 0 delete, 1 put) | key length (varint) | key
 *          [| value length (varint) | value]   (puts only)
 */
export const BLOCK_BYTES = 32 * 1024;
export const HEADER_BYTES = 7;

export const FRAGMENT_FULL = 1;
export const FRAGMENT_FIRST = 2;
export const FRAGMENT_MIDDLE = 3;
export const FRAGMENT_LAST = 4;

/** Bytes of a batch payload before its first op. */
export const BATCH_HEADER_BYTES = 12;

/** Segment file name for log number `n` (zero-padded so names sort by number). */
export function logFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.log`;
}

/** The log number of a segment file name, or undefined if the name is not one. */
export function parseLogFileName(name: string): number | undefined {
  const m = /^(\d+)\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
