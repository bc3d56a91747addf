/**
 * @ringkv/sim: the deterministic test kit (virtual clock, seeded random,
 * simulated network, simulation harness). Never a production dependency.
 */
export { Rng } from './random.js';
export { testSeed, seedNote } from './seed.js';
export { SimClock } from './clock.js';
export type { TimerHandle, TimerListener } from './clock.js';
export { SimNetwork, SimTransport, defaultLink } from './network.js';
export type { LinkConfig, DropReason, NetworkEvent, NodeStats, SimNetworkOptions, MessageHandler } from './network.js';
export { Simulation } from './simulation.js';
export type { SimulationOptions, InvariantCheck } from './simulation.js';
export { Trace } from './trace.js';
export { estimateSize } from './size.js';
export { SimError, isSimError } from './errors.js';
export type { SimErrorCode } from './errors.js';
export { runStepsMax, traceKeptLinesDefault, delayMsMax, sizeDepthMax } from './limits.js';
export { runFuzz, mutate, fuzzInputs, fuzzInputsDefault, rssGrowthBytesMax } from './fuzz.js';
export type { FuzzTarget, FuzzReport } from './fuzz.js';
