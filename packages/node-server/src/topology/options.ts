/**
 * What the topology service is built from (`TopologyOptions`, the node's
 * `TopologySettings`), and what the join, leave and cleanup runs (join.ts,
 * leave.ts, cleanup-pass.ts) take from the service (`TopologyRun`).
 */
import type { Replication } from '@ringkv/hashring';
import type { Clock } from '@ringkv/quorum';
import type { ClusterCore } from '../cluster/core.js';
import type { EngineHintStore } from '../cluster/hint-store.js';
import type { PeerPort } from '../cluster/replicas.js';
import type { NodeLogger } from '../log.js';
import type { StorageEngine } from '../store/engine-port.js';
import type { ReplicaStore } from '../store/replica-store.js';
import type { StreamPorts } from './streams.js';

/** Topology options after defaults (`NodeOptions.join`, `streamBytesPerSec`, `onLeft`). */
export interface TopologySettings {
  readonly join: boolean;
  readonly streamBytesPerSec: number;
  /** Called once the node has left (its data handed over, `left` announced). */
  readonly onLeft?: () => void;
}

/** What the service is built from. */
export interface TopologyOptions {
  readonly id: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  readonly gossipIntervalMs: number;
  readonly engine: StorageEngine;
  readonly store: ReplicaStore;
  readonly hints: EngineHintStore;
  readonly cluster: ClusterCore;
  readonly peers: PeerPort;
  readonly clock: Clock;
  readonly random: { next(): number };
  readonly settings: TopologySettings;
  /** Runs an anti-entropy pass (scheduled after ring changes). */
  readonly repair: () => Promise<unknown>;
  readonly log: NodeLogger;
}

/** What a join, leave or cleanup run takes from the service: its options, stop flag, clock sleep and stream plumbing. */
export interface TopologyRun {
  readonly o: TopologyOptions;
  /** True once the service stopped: a run ends at its next step. */
  stopped(): boolean;
  /** Resolves after `ms` on the node's clock. */
  sleep(ms: number): Promise<void>;
  /** The ports of one stream call (streams.ts), metered by the service's bucket and counted in its stream status. */
  ports(): StreamPorts;
  /** Lists `id` among the peers of the stream in progress. */
  notePeer(id: string): void;
}

