/**
 * @ringkv/quorum: Dynamo-style request coordination for ringkv — N/R/W with
 * per-request overrides, sloppy or strict quorums, receipts, read
 * reconciliation with DVV sync and bounded read repair, and hinted handoff.
 * Transport-agnostic: it runs only on the injected ports of `ports.ts`.
 */
export { Coordinator } from './coordinator.js';
export type { CoordinatorOptions, WriteCall } from './coordinator.js';
export { HintedHandoff, estimateBytes } from './hinted-handoff.js';
export type { HintedHandoffOptions, HandoffStats } from './hinted-handoff.js';
export { MemoryHintStore } from './memory-hint-store.js';
export { planRequest } from './plan.js';
export { DcTally, isNamedLevel, levelCount, levelPredicate, namedLevels } from './level.js';
export type { Level, LevelPredicate, LevelScope, NamedLevel } from './level.js';
export type { Plan, Target } from './plan.js';
export type { QuorumDefaults, QuorumMode, ReadOptions, WriteOptions, ResolvedRead, ResolvedWrite } from './options.js';
export type { Receipt, ReplicaReceipt, ReplicaRole, ReplicaOutcome } from './receipt.js';
export type { ReadResult, WriteResult, NotMetReason } from './results.js';
export type { CoordinatorStats } from './stats.js';
export type { Clock, DownProvider, HintStore, Key, LocalReplica, ReplicaCallOptions, ReplicaClient, RingProvider, StoredHint } from './ports.js';
export { QuorumError, isQuorumError } from './errors.js';
export type { QuorumErrorCode } from './errors.js';
export * as limits from './limits.js';
