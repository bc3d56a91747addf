/** Counters of a coordinator, for /status and /metrics. Plain numbers; they only grow. */
export interface CoordinatorStats {
  reads: number;
  writes: number;
  ok: number;
  quorumNotMet: number;
  indeterminate: number;
  /** Hints the coordinator stored itself (no stand-in, or a replica that failed or timed out). */
  hintsStored: number;
  /** Hint puts the store refused (the write's other copies stand; anti-entropy repairs the target). */
  hintStoreFailures: number;
  /** Read repairs acknowledged / failed / dropped (queue full). */
  readRepairs: number;
  readRepairsFailed: number;
  readRepairsDropped: number;
}

/** Fresh zeroed counters. */
export function zeroStats(): CoordinatorStats {
  return {
    reads: 0,
    writes: 0,
    ok: 0,
    quorumNotMet: 0,
    indeterminate: 0,
    hintsStored: 0,
    hintStoreFailures: 0,
    readRepairs: 0,
    readRepairsFailed: 0,
    readRepairsDropped: 0,
  };
}
