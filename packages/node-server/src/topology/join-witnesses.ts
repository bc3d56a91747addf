/**
 * Which peers already know this node is joining, read from the gossip
 * messages they send it (no extra call): before a joining node streams a
 * range, every live coordinator must know it is joining, or a write it
 * coordinates meanwhile skips the joiner (pending replicas come from the
 * coordinator's own view) and only anti-entropy would bring it later.
 *
 * A peer P knows this node's entry at its current generation when
 *   - P's `syn` digest lists it at that generation with a version > 0, or
 *   - P's `ack` (its answer to this node's `syn`, which lists this node)
 *     does not ask for the entry from scratch (a request at version 0, or
 *     at another generation, means P lacks it).
 * A joining node's status is `joining` from the first version of its
 * generation, so any copy of the entry at that generation says `joining`;
 * the peer's ring view follows its gossip state synchronously.
 *
 * Invariants:
 *   1. A peer counts as a witness only for the generation it had when it
 *      sent the message: a peer that restarted (a new generation in this
 *      node's view) must witness again.
 *   2. Pure bookkeeping on the messages it is shown; no timers, no calls.
 */
import { parseMessage } from '@ringkv/gossip';

/** Peers known to hold this node's entry at its current generation (module comment). */
export class JoinWitnesses {
  /** Peer id → the peer's generation when it showed it knows. */
  private readonly witnesses = new Map<string, number>();

  constructor(
    private readonly selfId: string,
    private readonly generation: () => number,
  ) {}

  /** A gossip message this node received (the cluster core's tap). */
  readonly observe = (raw: unknown): void => {
    const m = parseMessage(raw);
    if (m === undefined || m.f === this.selfId) return;
    const gen = this.generation();
    const knows =
      m.t === 'syn'
        ? m.d.some(([id, g, v]) => id === this.selfId && g === gen && v > 0)
        : m.t === 'ack' && !m.r.some(([id, g, v]) => id === this.selfId && (g !== gen || v === 0));
    if (knows) this.witnesses.set(m.f, m.fg);
  };

  /** The members of `members` (id, generation) that have not yet shown they know this node. */
  missing(members: readonly { readonly id: string; readonly generation: number }[]): string[] {
    return members.filter((p) => this.witnesses.get(p.id) !== p.generation).map((p) => p.id);
  }
}
