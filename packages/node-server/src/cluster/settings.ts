/** The cluster part of a node's options, after defaults (options.ts resolves them, the core consumes them). */
import type { Replication } from '@ringkv/hashring';
import type { QuorumMode } from '@ringkv/quorum';

/** Cluster settings after defaults. */
export interface ClusterSettings {
  /** Replicas per key in all: N, or the sum of the replication map. */
  readonly n: number;
  /** Where replicas go: N (one DC) or the replication map (`{ dc1: 3, dc2: 2 }`); absent: N. Read it with `replicationOf`. */
  readonly replicas?: Replication;
  readonly r: number;
  readonly w: number;
  readonly mode: QuorumMode;
  readonly requestTimeoutMs: number;
  readonly vnodes: number;
  readonly weight: number;
  /** This node's rack ('' = none); `zone` is its former name. */
  readonly zone: string;
  /** This node's data center ('' or absent = none). */
  readonly dc?: string;
  /** This node's machine label ('' or absent = none: a machine of its own). */
  readonly machine?: string;
  readonly gossipIntervalMs: number;
  readonly hintTtlMs: number;
  readonly seeds: readonly string[];
  readonly clusterName: string;
  /** Send a write's copies for another DC through one node there (dc-relay.ts); false: one apply per replica. Default true. */
  readonly wanRelay?: boolean;
}


/** What every ring lookup of a node with settings `s` takes: the replication map, else N. */
export function replicationOf(s: Pick<ClusterSettings, 'n' | 'replicas'>): Replication {
  return s.replicas ?? s.n;
}
