/**
 * Types shared by the SSTable writer, reader and the compaction job
 * (contract A of the package).
 */

/** How a table is written. Defaults live in format.ts (`DEFAULT_*`). */
export interface TableBuildOptions {
  /** Target size of a data block before compression; a block is cut once it reaches this. */
  blockSizeBytes: number;
  /** Entries between restart points inside a block (>= 1). */
  restartInterval: number;
  /** Bloom filter bits per distinct user key; 0 writes a filter that matches everything. */
  bloomBitsPerKey: number;
  /** 'lz4' stores a block compressed when that saves at least 1/8 of it. */
  compression: 'lz4' | 'none';
}

/**
 * What the manifest records about one table. Also stored in the table's
 * properties block, so a table describes itself.
 */
export interface TableMeta {
  fileNumber: number;
  /** Size of the whole file, footer included. */
  sizeBytes: number;
  /** Internal entries (every version, tombstones included). */
  entries: number;
  tombstones: number;
  /** Smallest and largest user keys (owned copies). Empty arrays for an empty table. */
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
  /** Smallest and largest sequence numbers in the table; 0 for an empty table. */
  smallestSeq: number;
  largestSeq: number;
}
