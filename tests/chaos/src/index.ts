// @ringkv/chaos: Real-process fault run: five ringkv nodes on loopback behind a fault-injecting TCP proxy, a set workload, kills, pauses and partitions, then a checker.
export {};
