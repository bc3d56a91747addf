/**
 * The shapes of the cluster core's client operations, replies, counters and
 * delegated calls (core.ts re-exports them; other modules import them from
 * there or from here).
 */
import type { DeleteRequest, Key, NodeReply, PeerCall, PeerMessage, PutRequest, ScanOkMessage, ScanRangeMessage, ScanRequest } from '@ringkv/protocol';

/** The topology peer calls (served by node-core's TopologyService). */
export type TopologyCall = Extract<PeerCall, { type: 'stream-range' | 'stream-push' | 'stream-check' | 'range-stats' }>;

/** Key listing as the core delegates it (scan/service.ts). */
export interface KeyScans {
  page(request: ScanRequest): Promise<Omit<ScanOkMessage, 'id'>>;
  onCall(call: ScanRangeMessage): Promise<PeerMessage>;
}

/** One client operation, as the core runs it: a get, put or delete request without its id and options. */
export type ClusterOp =
  | { readonly type: 'get'; readonly key: Key }
  | Omit<PutRequest, 'id' | 'options'>
  | Omit<DeleteRequest, 'id' | 'options'>;

/** A reply body without id (the caller adds it). */
export type OpReply = Exclude<NodeReply, { type: 'batch-ok' } | { type: 'ring-ok' } | { type: 'scan-ok' } | { type: 'error' }> extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Cluster counters beyond the coordinator's and the handoff's. */
export interface ClusterCounters {
  forwardedOut: number;
  forwardedIn: number;
  forwardFailures: number;
  ringChanges: number;
  /** Writes sent to a pending replica (a node gaining the key in a join or leave), and those kept as hints instead. */
  pendingWrites: number;
  pendingHints: number;
}
