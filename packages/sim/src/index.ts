// @ringkv/sim: Deterministic test kit: virtual clock, seeded random, simulated network
export {};
