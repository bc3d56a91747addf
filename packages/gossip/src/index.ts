// @ringkv/gossip: Cluster membership by gossip, with failure detection confirmed by several reporters
export {};
