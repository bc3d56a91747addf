// @ringkv/node-server: one ringkv node: sibling sets in @ringkv/lsm-engine,
// the client protocol over WebSocket, the cluster (gossip membership, ring,
// quorum coordination, forwarding, durable hints and handoff, peer RPC over
// WebSocket), /health, /status and /metrics over HTTP.
export { startNode } from './node.js';
export type { RingkvNode } from './node.js';
export { isLoopbackHost } from './options.js';
export type { Durability, LogLevel, NodeOptions, StorageOpener, StorageOpenOptions } from './options.js';
export type { EngineOp, ScanBounds, StorageEngine } from './store/engine-port.js';
export { stopOnSignals } from './signals.js';
export type { StopOnSignalsOptions } from './signals.js';
export { NodeServerError, isNodeServerError } from './errors.js';
export { readBackupEntries } from './backup/read.js';
export type { BackupEntry } from './backup/read.js';
export type { NodeSnapshot } from './backup/snapshot.js';
export { encodeEntries as encodeRestoreChunk } from './anti-entropy/entries.js';
export { formatTokensFile, mintToken, parseTokensFile, roles } from './auth/tokens-file.js';
export type { Role, TokenEntry, TokensFile } from './auth/tokens-file.js';
export { clusterSecretHeader } from './http/gate.js';
export type { NodeServerErrorCode } from './errors.js';
export { webSocketPaths } from './server/upgrade.js';
export { dataPrefix, storageKey } from './store/keys.js';
export * as limits from './limits.js';
export { placementVersion, ringSpecs, ringVnodesBase } from './cluster/ring-view.js';
export type { ClusterStatus } from './cluster/status.js';
export { hintPrefix } from './cluster/hint-store.js';
export { metaPrefix } from './cluster/meta.js';
export { tombstonePrefix } from './store/tombstone-index.js';
// Embedding and simulation: the cluster side of a node without sockets or HTTP, on injected ports.
export { assembleNodeCore, openNodeState } from './node-core.js';
export type { NodeCore, NodeCoreParts, NodeState } from './node-core.js';
export type { ClusterCore, ClusterOp, OpReply } from './cluster/core.js';
export type { PeerPort } from './cluster/replicas.js';
export type { PeerCallBody } from './cluster/peer-link.js';
export type { ClusterSettings } from './cluster/settings.js';
export type { AntiEntropySettings } from './options.js';
export type { AntiEntropy, RepairSummary } from './anti-entropy/service.js';
export type { SweepSummary, TombstoneStats, TombstoneVerdict } from './anti-entropy/tombstones.js';
export type { BuildProgress } from './anti-entropy/trees.js';
export type { StoreConfig } from './store/replica-store.js';
export type { AdminResult } from './topology/admin-result.js';
export type { CleanupSummary } from './topology/cleanup-pass.js';
export type { TopologySettings } from './topology/options.js';
export type { StreamStatus, TopologyStatus } from './topology/status.js';
export type { TopologyService } from './topology/service.js';
export type { Plan, PlanMove, PlanQuery } from './topology/plan.js';
export type { NodeLogger } from './log.js';
export { colorFor, formatLogLine, prettyLogDestination, type PrettyOutput } from './log-pretty.js';
