// @ringkv/sim: the deterministic test kit. Never a production dependency.
export { Rng } from './random.js';
export { testSeed, seedNote } from './seed.js';
