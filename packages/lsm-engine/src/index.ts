// @ringkv/lsm-engine: A crash-safe log-structured merge storage engine: commit log, memtable, SSTables, bloom filters, compaction
export {};
