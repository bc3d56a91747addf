/** The cluster part of a node's options, after defaults (options.ts resolves them, the core consumes them). */
import type { QuorumMode } from '@ringkv/quorum';

/** Cluster settings after defaults. */
export interface ClusterSettings {
  readonly n: number;
  readonly r: number;
  readonly w: number;
  readonly mode: QuorumMode;
  readonly requestTimeoutMs: number;
  readonly vnodes: number;
  readonly weight: number;
  readonly zone: string;
  readonly gossipIntervalMs: number;
  readonly hintTtlMs: number;
  readonly seeds: readonly string[];
  readonly clusterName: string;
}

