/**
 * What /status shows of a node's topology changes (`cluster.topology`): its
 * own state, the stream in progress (or the last one) and the cleanup counts.
 */
import type { CleanupStats } from './cleanup.js';
import type { SelfState } from './progress.js';

/** The stream in progress (or last finished), for /status. */
export interface StreamStatus {
  direction: 'in' | 'out';
  rangesTotal: number;
  rangesDone: number;
  keys: number;
  bytes: number;
  bytesPerSec: number;
  startedAtMs: number;
  peers: string[];
}

/** `cluster.topology` of /status. */
export interface TopologyStatus {
  readonly self: SelfState;
  readonly stream: StreamStatus | null;
  readonly cleanup: CleanupStats & { readonly pending: number };
}

/** A new stream's status, started at `nowMs`. */
export function newStreamStatus(direction: 'in' | 'out', rangesTotal: number, nowMs: number): StreamStatus {
  return { direction, rangesTotal, rangesDone: 0, keys: 0, bytes: 0, bytesPerSec: 0, startedAtMs: nowMs, peers: [] };
}

/** A copy of `s` with its rate over its run until `endMs` (now while it runs, its end once finished). */
export function streamStatusAt(s: StreamStatus, endMs: number): StreamStatus {
  return { ...s, peers: [...s.peers], bytesPerSec: Math.round(s.bytes / Math.max(0.001, (endMs - s.startedAtMs) / 1000)) };
}
