// @ringkv/hashring: Consistent hashing with weighted virtual nodes, preference lists, zone-aware placement and range diffs
export {};
