/**
 * Latency of peer calls, on both sides: the calls this node makes (a
 * coordinator's replica reads and writes, forwards, anti-entropy and
 * streaming calls) and the calls it serves, by kind.
 *
 * Kinds: `fetch` (a replica read of a get), `apply` (a replica write of a
 * put or a delete: a delete is a tombstone version, written the same way),
 * `forward` (a client write sent to a coordinator of its key) and `other`
 * (anti-entropy and streaming calls). A peer `apply` cannot tell a put from
 * a delete without decoding the set it carries, which the hot path avoids.
 *
 * Invariants:
 *   1. Every call is timed from the moment it is made until it settles,
 *      whether it resolved or rejected.
 *   2. The wrappers change nothing else: the reply or error passes through.
 */
import type { PeerCall, PeerMessage } from '@ringkv/protocol';
import type { PeerPort } from './cluster/replicas.js';
import type { PeerCallBody } from './cluster/peer-link.js';
import type { Metrics, PeerCallKind } from './metrics.js';

function kindOf(type: string): PeerCallKind {
  return type === 'apply' || type === 'fetch' || type === 'forward' || type === 'relay' ? type : 'other';
}

/** A peer port that records each call's latency in `metrics` (`ringkv_peer_call_duration_seconds`). */
export function timedPeerPort<P extends PeerPort>(inner: P, metrics: Metrics): PeerPort {
  return {
    call(address: string, body: PeerCallBody, timeoutMs: number): Promise<PeerMessage> {
      const startedMs = performance.now();
      const done = (): void => metrics.peerCall('out', kindOf(body.type), (performance.now() - startedMs) / 1000);
      const pending = inner.call(address, body, timeoutMs);
      pending.then(done, done);
      return pending;
    },
    ...(inner.reconnectNow === undefined ? {} : { reconnectNow: (address: string) => inner.reconnectNow?.(address) }),
    ...(inner.relays === undefined ? {} : { relays: (address: string) => inner.relays?.(address) === true }),
  };
}

/** Wraps a peer call handler so each served call's latency is recorded (`ringkv_peer_serve_duration_seconds`). */
export function timedPeerHandler(onCall: (from: string, call: PeerCall) => Promise<PeerMessage>, metrics: Metrics): (from: string, call: PeerCall) => Promise<PeerMessage> {
  return (from, call) => {
    const startedMs = performance.now();
    const done = (): void => metrics.peerCall('in', kindOf(call.type), (performance.now() - startedMs) / 1000);
    const pending = onCall(from, call);
    pending.then(done, done);
    return pending;
  };
}
