/** SSTables (contract A): format, builder, reader, caches and the merging iterator. */
export type { TableBuildOptions, TableMeta } from './types.js';
export type { TableProperties } from './properties.js';
export { TableBuilder } from './table-builder.js';
export { TableReader } from './table-reader.js';
export { BlockCache } from './block-cache.js';
export { TableCache } from './table-cache.js';
export { mergingIterator } from './merging-iterator.js';
export { bloomProbes } from './bloom.js';
export {
  DEFAULT_BLOCK_SIZE_BYTES,
  DEFAULT_RESTART_INTERVAL,
  DEFAULT_BLOOM_BITS_PER_KEY,
  FORMAT_VERSION,
} from './format.js';
