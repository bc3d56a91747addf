/**
 * What every connection of a node shares: options, codec, store, metrics,
 * logger and the set of open connections. One per node; passed by reference
 * so connections hold no per-node closures.
 */
import type { TlsCredentials } from '../tls/tls-credentials.js';
import type { WireCodec } from '@ringkv/protocol';
import type { LogThrottle, NodeLogger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RuntimeMonitor } from '../runtime.js';
import type { ResolvedOptions } from '../options.js';
import type { ReplicaStore } from '../store/replica-store.js';
import type { AntiEntropy } from '../anti-entropy/service.js';
import type { ClusterCore } from '../cluster/core.js';
import type { PeerNetwork } from '../cluster/peer-network.js';
import type { EngineHintStore } from '../cluster/hint-store.js';
import type { NodeCore } from '../node-core.js';
import type { FrameGuard } from './frame-guard.js';
import type { SocketGuard } from './socket-guard.js';
import type { SettingsRecord, SettingsSource } from '../cluster/agreement.js';
import type { RequestBudget } from './request-budget.js';
import type { TokenRegistry } from '../auth/registry.js';

/** A connection as the node sees it for draining and stopping. */
export interface TrackedConnection {
  readonly inFlight: number;
  readonly paused: boolean;
  readonly bufferedBytes: number;
  /** Frame bytes of requests read and not answered (running and waiting). */
  readonly requestBytes: number;
  /** True while the connection is not read because of request bytes (connection.ts invariant 8). */
  readonly bytesPaused: boolean;
  /** Stops reading requests; replies in progress still go out. */
  stopReading(): void;
  /** Sends a `shutting-down` error and closes with 1001. */
  closeForShutdown(): void;
  /** Drops the connection at once. */
  terminate(): void;
  /** Pushes `ring-changed` if the client asked to watch the ring. */
  notifyRing(version: number): void;
  /** The id of the token this connection's hello presented (undefined without auth, or before hello). */
  readonly tokenId: string | undefined;
  /** The connection's token was revoked: sends `unauthorized` and closes with 1008. */
  revoke(): void;
}

/** The node-wide state connections share. */
export interface ServerContext {
  /** The options, with the cluster settings agreed at start in place of the node's own. */
  readonly options: ResolvedOptions;
  /** The cluster settings record this node runs with, and how it took it at start (cluster/agreement.ts). */
  readonly agreed: { readonly record: SettingsRecord; readonly source: SettingsSource };
  readonly codec: WireCodec;
  readonly store: ReplicaStore;
  readonly metrics: Metrics;
  /** Event-loop delay, GC pauses, CPU and memory of the process (/status `runtime`, /metrics). */
  readonly runtime: RuntimeMonitor;
  readonly log: NodeLogger;
  /** Rate limit of warn lines about refused client and peer hellos (`refusalLogLinesMax`). */
  readonly refusalLog: LogThrottle;
  /** The tokens clients may present and what each may do (auth/registry.ts). */
  readonly auth: TokenRegistry;
  readonly connections: Set<TrackedConnection>;
  /** The node's certificates when it serves TLS (tls/tls-credentials.ts), else undefined. */
  readonly tls: TlsCredentials | undefined;
  /** Raw socket admission: the header deadline, the anonymous and per-address bounds (socket-guard.ts). */
  readonly sockets: SocketGuard;
  /** Incomplete messages on client and peer connections: the read deadline and the node-wide byte bound (frame-guard.ts). */
  readonly frames: FrameGuard;
  readonly startedAtMs: number;
  stopping: boolean;
  /** Requests in flight across all connections. */
  inFlight: number;
  /** Request bytes running across all connections, bounded by `nodeRequestBytesInFlightMax` (request-budget.ts). */
  readonly requestBudget: RequestBudget;
  /** The cluster core and the peer network; set once the node listens (before any request can arrive). */
  cluster: ClusterCore | undefined;
  peers: PeerNetwork | undefined;
  hints: EngineHintStore | undefined;
  /** Anti-entropy (trees, exchanges, `POST /repair`); set with the cluster. */
  antiEntropy: AntiEntropy | undefined;
  /** The composed cluster side (node-core.ts); `cluster` and `antiEntropy` are its parts. */
  core: NodeCore | undefined;
  /** Resolved each time `inFlight` drops to 0 while stopping. */
  onDrained: (() => void) | undefined;
}
