/**
 * The relay node's side of WAN relaying (dc-relay.ts has the coordinator's):
 * a `relay` call carries writes for this node's DC; each target gets its
 * write here (this node itself: the local store or hint store, as an
 * `apply` would) or by a plain `apply` to it, and the answer holds one
 * outcome per target.
 *
 * Concurrency model: every target's apply runs at once; one timer bounds
 * the whole relay.
 *
 * Invariants:
 *   1. The answer leaves by `relayForwardShare` of the relay's `timeoutMs`
 *      (the rest is the WAN round trip back to the coordinator): targets
 *      still unsettled then are answered `timeout` (they may yet apply).
 *   2. Every target of every entry gets exactly one outcome, in order.
 *   3. Forwards are plain `apply` calls, never relayed again (one WAN hop).
 *   4. A relay whose entries do not decode is refused as a whole
 *      (`invalid-message`): nothing of it was applied.
 */
import { protocolError, type PeerMessage, type RelayMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import { toProtocolError } from '../store/failures.js';
import type { ReplicaStore } from '../store/replica-store.js';
import * as L from '../limits.js';
import type { EngineHintStore } from './hint-store.js';
import { decodeRelayEntries, encodeRelayOutcomes, type DecodedRelayEntry, type RelayOutcome, type RelayTarget } from './relay-codec.js';
import { applyBody, applyLocally, type PeerPort } from './replicas.js';

/** What a relay node needs. */
export interface RelayServeDeps {
  readonly selfId: string;
  readonly store: ReplicaStore;
  readonly hints: EngineHintStore;
  readonly clock: Clock;
  readonly peers: PeerPort;
  readonly addressOf: (id: string) => string | undefined;
  readonly keyBytesMax: number;
  /** Counted: relays served, and applies this node forwarded for them. */
  readonly counters: { relaysServed: number; relayForwards: number };
}

/** Serves one `relay` call (module invariants); resolves with its `relay-ok`, rejects (ProtocolError) only when the entries do not decode. */
export async function serveRelay(deps: RelayServeDeps, call: RelayMessage): Promise<PeerMessage> {
  const entries = decodeRelayEntries(call.entries, deps.keyBytesMax);
  deps.counters.relaysServed++;
  const budgetMs = Math.max(1, Math.floor(call.timeoutMs * L.relayForwardShare));
  const outcomes: RelayOutcome[][] = entries.map((e) => e.targets.map(() => pending));
  await new Promise<void>((resolve) => {
    let open = entries.reduce((n, e) => n + e.targets.length, 0);
    const timer = deps.clock.setTimer(budgetMs, () => {
      for (const row of outcomes) row.forEach((o, j) => (row[j] = o === pending ? { code: 'timeout', message: `${deps.selfId} had no answer within ${budgetMs} ms` } : o));
      resolve();
    });
    const settle = (i: number, j: number, outcome: RelayOutcome): void => {
      const row = outcomes[i] as RelayOutcome[];
      if (row[j] !== pending) return; // answered as a timeout already
      row[j] = outcome;
      if (--open === 0) {
        deps.clock.clearTimer(timer);
        resolve();
      }
    };
    entries.forEach((entry, i) =>
      entry.targets.forEach((target, j) =>
        applyOne(deps, entry, target, budgetMs).then(
          () => settle(i, j, undefined),
          (error: unknown) => {
            const e = toProtocolError(error);
            settle(i, j, { code: e.code, message: e.message.replace(/^protocol: /, '') });
          },
        ),
      ),
    );
  });
  return { type: 'relay-ok', id: call.id, outcomes: encodeRelayOutcomes(outcomes) };
}

/** A sentinel for "not settled yet" (distinct from an ack, `undefined`). */
const pending: RelayOutcome = { code: 'internal', message: 'pending' };

async function applyOne(deps: RelayServeDeps, entry: DecodedRelayEntry, target: RelayTarget, budgetMs: number): Promise<void> {
  if (target.node === deps.selfId) return applyLocally(deps.store, deps.hints, deps.clock, entry.key, entry.decoded, target.hintFor, target.hintStampMs);
  const address = deps.addressOf(target.node);
  if (address === undefined) throw protocolError('unavailable', `${deps.selfId} knows no address for ${target.node}`);
  deps.counters.relayForwards++;
  const reply = await deps.peers.call(address, applyBody(entry.key, entry.set, target), budgetMs);
  if (reply.type !== 'apply-ok') throw protocolError('internal', `${target.node} answered apply with ${reply.type}`);
}
