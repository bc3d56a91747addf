// @ringkv/merkle: Incremental Merkle trees over buckets of the 64-bit hash space, with tree diff
export {};
