/**
 * Hints addressed to a member that left (or was removed) can never be
 * handed to it: each is delivered instead to the key's current replicas
 * (DVV merge, as any replica apply), then deleted. A hint may hold the only
 * extra copy of a write a sloppy quorum accepted, so it is never just dropped.
 *
 * A leaving node's hints for a target that is down go to a node that stays,
 * still as hints for that target (`handOverHints`).
 *
 * Invariants:
 *   1. A hint is deleted only after every live current replica of its key
 *      took it (or, handed over, the node that stays stored it as a hint); one that could not be delivered stays (the next `left`
 *      event or the hint TTL decides).
 *   2. Bounded work per batch (`redirectBatch` hints), one batch at a time.
 */
import type { Replication } from '@ringkv/hashring';
import type { HashRing } from '@ringkv/hashring';
import type { PeerMessage } from '@ringkv/protocol';
import type { EngineHintStore } from '../cluster/hint-store.js';
import type { PeerCallBody } from '../cluster/peer-link.js';
import type { ReplicaStore } from '../store/replica-store.js';
import { encodeSet, type StoredValue } from '../store/set-codec.js';
import type { StoredHint } from '@ringkv/quorum';
import { streamCallTimeoutMs } from './limits.js';

const redirectBatch = 500;

/** What redirecting needs. */
export interface RedirectPorts {
  readonly selfId: string;
  /** The cluster's replication (N, or the replication map per DC): what every ring lookup takes. */
  readonly n: Replication;
  readonly ring: () => HashRing;
  readonly down: () => ReadonlySet<string>;
  readonly addressOf: (id: string) => string | undefined;
  readonly hints: EngineHintStore;
  readonly store: ReplicaStore;
  readonly call: (address: string, body: PeerCallBody, timeoutMs: number) => Promise<PeerMessage>;
}

/** Pages through the hints held for `target` (bounded batches), calling `move` on each; resolves with how many it moved. */
async function eachHint(hints: EngineHintStore, target: string, move: (hint: StoredHint<StoredValue>) => Promise<boolean>): Promise<number> {
  let moved = 0;
  let after: Parameters<EngineHintStore['list']>[2];
  for (;;) {
    const batch = await hints.list(target, redirectBatch, after);
    if (batch.length === 0) return moved;
    for (const hint of batch) if (await move(hint)) moved++;
    after = batch[batch.length - 1]?.key;
  }
}

/** Delivers the hints held for `target` to their keys' current replicas (module comment); resolves with the hints redirected. */
export function redirectHints(p: RedirectPorts, target: string): Promise<number> {
  return eachHint(p.hints, target, async (hint) => {
    const replicas = p.ring().preferenceList(hint.key, p.n).filter((id) => id !== target && !p.down().has(id));
    const delivered = await Promise.all(replicas.map((id) => deliver(p, id, hint.key, hint.set)));
    return replicas.length > 0 && delivered.every(Boolean) && (await p.hints.delete(target, hint.key, hint.set));
  });
}

async function deliver(p: RedirectPorts, id: string, key: Uint8Array | string, set: Parameters<ReplicaStore['syncIn']>[1]): Promise<boolean> {
  try {
    if (id === p.selfId) {
      await p.store.syncIn(key, set);
      return true;
    }
    const address = p.addressOf(id);
    if (address === undefined) return false;
    const reply = await p.call(address, { type: 'apply', key, set: encodeSet(set) }, streamCallTimeoutMs);
    return reply.type === 'apply-ok';
  } catch {
    return false;
  }
}

/**
 * A leaving node's hints for a target that is down: each is stored as a
 * hint for the same target on a live node that stays (the first live member
 * of the key's future preference list, else of the whole future ring), then
 * deleted here, so the write still reaches the target when it comes back.
 * Resolves with the hints handed over; one that found no taker stays.
 */
export function handOverHints(p: RedirectPorts & { readonly future: () => HashRing }, target: string): Promise<number> {
  return eachHint(p.hints, target, async (hint) => {
    const ring = p.future();
    const candidates = [...ring.preferenceList(hint.key, p.n), ...ring.nodes().map((m) => m.id)];
    const taker = candidates.find((id) => id !== p.selfId && id !== target && !p.down().has(id) && p.addressOf(id) !== undefined);
    if (taker === undefined) return false;
    const ok = await p
      .call(p.addressOf(taker) as string, { type: 'apply', key: hint.key, set: encodeSet(hint.set), hintFor: target }, streamCallTimeoutMs)
      .then((reply) => reply.type === 'apply-ok', () => false);
    return ok && (await p.hints.delete(target, hint.key, hint.set));
  });
}
