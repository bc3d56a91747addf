/**
 * @ringkv/cluster-sim: whole-cluster deterministic simulation. Real nodes
 * (node-server's composition, quorum, gossip, lsm-engine on a fault-injecting
 * in-memory disk) on @ringkv/sim's network and clock, a nemesis, Jepsen-style
 * workloads and checkers. Private: tests and `pnpm sim` use it.
 */
export { SimCluster, clusterSettings, baseLink, wanLink, dcLink, replicasPerDc, dcOfIndex, dcSettings } from './cluster.js';
export type { ClusterOptions, Turn } from './cluster.js';
export { SimNode } from './sim-node.js';
export { zeroActivity, addActivity } from './sim-node.js';
export type { NodeConfig, Activity } from './sim-node.js';
export { NodeClock } from './node-clock.js';
export type { EngineClock } from './node-clock.js';
export { NodeEndpoint } from './endpoint.js';
export type { ClientRequest, ClientAnswer, EndpointHandlers } from './endpoint.js';
export { SimClient } from './client.js';
export type { Outcome } from './client.js';
export { Nemesis, planFaults, profiles, profileNames, profileKinds, faultKinds, describe, zeroCounts } from './nemesis.js';
export type { FaultEvent, FaultKind, FaultCounts, ProfileName } from './nemesis.js';
export { runWorkload, dotOf, decodeElements, decodeRegister, registerValue, setValue, valuePaddingBytes } from './workload.js';
export type { History, WriteAttempt, WriteStatus, WorkloadName } from './workload.js';
export { checkConvergence, checkMerkle, checkHints, checkSet, checkRegister, canonical, replicaSets, finalSet, acknowledged } from './checkers.js';
export type { Anomaly } from './checkers.js';
export { runSeed, failureSummary, workloadOf, nodesOf, dcNodesOf, repairRound, quiet } from './run.js';
export type { RunOptions, RunReport } from './run.js';
export { ClusterSimError, isClusterSimError } from './errors.js';
export type { ClusterSimErrorCode } from './errors.js';
export * as limits from './limits.js';
export { runCampaign, formatTable, formatActivity, profileFor } from './campaign.js';
export type { CampaignOptions, CampaignRow } from './campaign.js';
export { shrink } from './shrink.js';
export { runTtlSeed, ttlFailureSummary } from './ttl-run.js';
export type { TtlRunOptions, TtlReport, TtlAnomaly } from './ttl-run.js';
export { runConditionalSeed, countGrants, zeroConditionCounts, formatConditionRates } from './conditional-run.js';
export type { ConditionalRunOptions, ConditionalReport, ConditionCounts } from './conditional-run.js';
