// @ringkv/cluster-sim: Whole-cluster deterministic simulation: real nodes on a simulated network, clock and disk, a nemesis, Jepsen-style workloads and checkers.
export {};
