// @ringkv/chaos: real ringkv node processes on loopback, each behind a
// fault-injecting TCP proxy; a set workload; kills, pauses, partitions,
// delays and cuts from a seeded schedule; heal, convergence, a set checker.
export { runChaos, resolveChaosOptions } from './runner.js';
export type { ChaosOptions, ChaosReport } from './runner.js';
export { formatReport } from './report.js';
export { FaultProxy } from './proxy.js';
export type { ProxyOptions } from './proxy.js';
export { FaultTable, clientEndpoint } from './faults.js';
export type { LinkState } from './faults.js';
export { makeSchedule, describeFault, defaultFaultKinds, faultKinds, processFaultKinds } from './schedule.js';
export type { FaultEvent, FaultKind, ScheduleOptions } from './schedule.js';
export { checkSets } from './checker.js';
export type { AddOutcome, AddRecord, FinalRead, SetCheck } from './checker.js';
export { SetWorkload, unionOfValues, workloadKey } from './workload.js';
export type { WorkloadOptions, WorkloadStats } from './workload.js';
export { killAllChildren, liveChildCount } from './node-process.js';
export { SeededRandom } from './random.js';
export { ChaosError, isChaosError } from './errors.js';
export type { ChaosErrorCode } from './errors.js';
export * as limits from './limits.js';
