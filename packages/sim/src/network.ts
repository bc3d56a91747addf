/**
 * An in-memory message network on a `SimClock`: every node gets a transport
 * (`send`, `onMessage`, `onConnectionLoss`) and every link can be slowed,
 * made lossy, duplicating or reordering, cut one way or both, at any moment.
 *
 * Concurrency model: single-threaded on the clock. `send` never delivers
 * synchronously: a message is a timer labelled `net` on the clock, due after
 * the link's latency plus jitter, so a handler never runs inside `send`.
 *
 * Invariants:
 *   1. All randomness (jitter, loss, duplication, reordering) comes from the
 *      `Rng` given at construction, drawn in send order: the same seed and the
 *      same sends give the same deliveries at the same times.
 *   2. A message is delivered only if, both when it was sent and when it
 *      arrives, the sender→receiver direction is not cut and the receiver is up;
 *      a message whose path was cut while it was in flight is lost (as packets
 *      on a link that fails are).
 *   3. A down node sends nothing and receives nothing; its sends are dropped
 *      and counted.
 *   4. Receivers get a structured clone of what was sent (unless
 *      `cloneMessages: false`), so no two nodes ever share a mutable object.
 *   5. Bytes are counted by the `sizeOf` function (default: `estimateSize`,
 *      the MessagePack size): once at the sender per send, once at the
 *      receiver per delivered copy.
 */
import type { SimClock } from './clock.js';
import { SimError } from './errors.js';
import { delayMsMax } from './limits.js';
import type { Rng } from './random.js';
import { estimateSize } from './size.js';

/** How one direction of a link behaves. Rates are probabilities in [0, 1]. */
export interface LinkConfig {
  /** Base one-way delay. */
  readonly latencyMs: number;
  /** Extra delay drawn uniformly from [0, jitterMs] per message. */
  readonly jitterMs: number;
  /** Probability a message is lost. */
  readonly lossRate: number;
  /** Probability a delivered message arrives a second time (with its own delay). */
  readonly duplicateRate: number;
  /** Probability a message is held back by an extra `reorderDelayMs`, so later ones overtake it. */
  readonly reorderRate: number;
  /** The hold-back of a reordered message. */
  readonly reorderDelayMs: number;
}

/** A clean LAN: 1 ms, no jitter, no loss. */
export const defaultLink: LinkConfig = {
  latencyMs: 1,
  jitterMs: 0,
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderDelayMs: 0,
};

/** Why a message did not arrive. */
export type DropReason = 'sender-down' | 'receiver-down' | 'unknown-node' | 'cut' | 'loss' | 'no-handler';

/** What the network reports to a trace: one line per send outcome. */
export type NetworkEvent =
  | { readonly kind: 'deliver'; readonly atMs: number; readonly from: string; readonly to: string; readonly bytes: number }
  | { readonly kind: 'drop'; readonly atMs: number; readonly from: string; readonly to: string; readonly bytes: number; readonly reason: DropReason };

/** Per-node counters. */
export interface NodeStats {
  sentMessages: number;
  sentBytes: number;
  receivedMessages: number;
  receivedBytes: number;
  droppedMessages: number;
}

/** Options of a `SimNetwork`. */
export interface SimNetworkOptions {
  /** Behaviour of every link not configured with `setLink`. Default `defaultLink`. */
  readonly link?: Partial<LinkConfig>;
  /** Bytes of a message for the counters. Default `estimateSize` (MessagePack size). */
  readonly sizeOf?: (message: unknown) => number;
  /** Deliver structured clones (default true). Turn off only for messages that cannot be cloned. */
  readonly cloneMessages?: boolean;
  /** Called for every delivery and drop, e.g. to build a trace. */
  readonly onEvent?: (event: NetworkEvent) => void;
}

/** A message handler: the sender's id and the message. */
export type MessageHandler = (from: string, message: unknown) => void;

/**
 * One node's end of the simulated network; structurally the `Transport` port
 * that gossip and the node's peer RPC consume.
 *
 * Gotchas: `onConnectionLoss` fires (after the link latency) only when this
 * node sends to a node that is down or unknown, modelling a refused
 * connection; a partition is silent, as a real one is.
 */
export class SimTransport {
  /** @internal */ readonly handlers: MessageHandler[] = [];
  /** @internal */ readonly lossHandlers: Array<(peer: string) => void> = [];

  constructor(
    /** This node's id, which is also its address on the simulated network. */
    readonly id: string,
    private readonly network: SimNetwork,
  ) {}

  /** Sends `message` to node `to`; never throws for an unreachable peer (the message is dropped). */
  send(to: string, message: unknown): void {
    this.network.send(this.id, to, message);
  }

  /** Registers a handler for incoming messages; returns a function that removes it. */
  onMessage(handler: MessageHandler): () => void {
    return addListener(this.handlers, handler);
  }

  /** Registers a handler told when a send found its peer down or unknown; returns a remover. */
  onConnectionLoss(handler: (peer: string) => void): () => void {
    return addListener(this.lossHandlers, handler);
  }
}

function addListener<T>(list: T[], item: T): () => void {
  list.push(item);
  return () => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * The simulated network.
 *
 * When to use: any test of nodes that talk to each other; usually through
 * `Simulation`, which ties it to a seed and a trace.
 * Details: links are directional; `setLink(a, b, …)` changes a→b only
 * (`setLinkBoth` for both). Cuts (`partition`, `isolate`, `bridge`,
 * `cutLink`) are a set of blocked directions that `heal`/`healLink` remove.
 * Gotchas: `isolate` and `partition` block the nodes that exist when they are
 * called; a node created later is not cut from anyone.
 */
export class SimNetwork {
  private readonly transports = new Map<string, SimTransport>();
  private readonly links = new Map<string, LinkConfig>();
  private readonly blocked = new Set<string>();
  private readonly downNodes = new Set<string>();
  private readonly counters = new Map<string, NodeStats>();
  private baseLink: LinkConfig;
  private readonly sizeOf: (message: unknown) => number;
  private readonly clone: boolean;
  private readonly onEvent: ((event: NetworkEvent) => void) | undefined;

  constructor(
    private readonly clock: SimClock,
    private readonly rng: Rng,
    options: SimNetworkOptions = {},
  ) {
    this.baseLink = checkLink({ ...defaultLink, ...options.link });
    this.sizeOf = options.sizeOf ?? estimateSize;
    this.clone = options.cloneMessages ?? true;
    this.onEvent = options.onEvent;
  }

  /** The transport of node `id`, created (up, unconnected to nothing) on first use. */
  transport(id: string): SimTransport {
    let t = this.transports.get(id);
    if (t === undefined) {
      t = new SimTransport(id, this);
      this.transports.set(id, t);
      this.counters.set(id, zeroStats());
    }
    return t;
  }

  /** Ids of every node that has a transport, in creation order. */
  nodes(): string[] {
    return [...this.transports.keys()];
  }

  /** Sets the behaviour of every link without its own configuration. */
  setDefaultLink(config: Partial<LinkConfig>): void {
    this.baseLink = checkLink({ ...this.baseLink, ...config });
  }

  /** Sets the behaviour of the direction from→to (unset fields keep the default link's). */
  setLink(from: string, to: string, config: Partial<LinkConfig>): void {
    this.links.set(pairKey(from, to), checkLink({ ...this.linkConfig(from, to), ...config }));
  }

  /** `setLink` in both directions. */
  setLinkBoth(a: string, b: string, config: Partial<LinkConfig>): void {
    this.setLink(a, b, config);
    this.setLink(b, a, config);
  }

  /** Forgets every per-link configuration (cuts stay). */
  resetLinks(): void {
    this.links.clear();
  }

  /** The behaviour of the direction from→to. */
  linkConfig(from: string, to: string): LinkConfig {
    return this.links.get(pairKey(from, to)) ?? this.baseLink;
  }

  /** Cuts every direction between nodes of different groups; nodes in no group keep their links. */
  partition(...groups: ReadonlyArray<readonly string[]>): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const a of groups[g] as readonly string[]) for (const b of groups[h] as readonly string[]) this.blocked.add(pairKey(a, b));
      }
    }
  }

  /** Cuts `id` from every other existing node, both ways. */
  isolate(id: string): void {
    for (const other of this.transports.keys()) {
      if (other === id) continue;
      this.blocked.add(pairKey(id, other));
      this.blocked.add(pairKey(other, id));
    }
  }

  /**
   * Splits `left` from `right` except through `bridges`, which keep their links
   * to both sides (the "bridge" partition: two halves and a few nodes in both).
   */
  bridge(left: readonly string[], right: readonly string[], bridges: readonly string[]): void {
    const isBridge = new Set(bridges);
    this.partition(
      left.filter((id) => !isBridge.has(id)),
      right.filter((id) => !isBridge.has(id)),
    );
  }

  /** Cuts one direction: from can no longer reach to (to may still reach from). */
  cutLink(from: string, to: string): void {
    this.blocked.add(pairKey(from, to));
  }

  /** Restores one direction cut by any of the partition methods. */
  healLink(from: string, to: string): void {
    this.blocked.delete(pairKey(from, to));
  }

  /** Restores every cut direction. Link behaviour (latency, loss) is unchanged. */
  heal(): void {
    this.blocked.clear();
  }

  /** True when from→to is not cut (regardless of whether either node is up). */
  canReach(from: string, to: string): boolean {
    return !this.blocked.has(pairKey(from, to));
  }

  /** Takes node `id` down: it stops sending and receiving until `up`. Messages in flight to it are lost. */
  down(id: string): void {
    this.downNodes.add(id);
  }

  /** Brings node `id` back up. */
  up(id: string): void {
    this.downNodes.delete(id);
  }

  /** True unless `down(id)` is in effect. */
  isUp(id: string): boolean {
    return !this.downNodes.has(id);
  }

  /** Takes `id` down and removes its handlers, as a process crash does; a restarted node registers anew after `up`. */
  crash(id: string): void {
    this.down(id);
    const t = this.transports.get(id);
    if (t === undefined) return;
    t.handlers.length = 0;
    t.lossHandlers.length = 0;
  }

  /** A copy of node `id`'s counters (zeros for an unknown node). */
  stats(id: string): NodeStats {
    return { ...(this.counters.get(id) ?? zeroStats()) };
  }

  /** The sum of every node's counters. */
  totals(): NodeStats {
    const sum = zeroStats();
    for (const s of this.counters.values()) {
      sum.sentMessages += s.sentMessages;
      sum.sentBytes += s.sentBytes;
      sum.receivedMessages += s.receivedMessages;
      sum.receivedBytes += s.receivedBytes;
      sum.droppedMessages += s.droppedMessages;
    }
    return sum;
  }

  /** Zeroes every counter, e.g. after a warm-up. */
  resetStats(): void {
    for (const id of this.counters.keys()) this.counters.set(id, zeroStats());
  }

  /** @internal The body of `SimTransport.send`. */
  send(from: string, to: string, message: unknown): void {
    const bytes = this.sizeOf(message);
    const sender = this.counters.get(from) ?? zeroStats();
    if (!this.isUp(from)) return this.drop(from, to, bytes, 'sender-down');
    sender.sentMessages++;
    sender.sentBytes += bytes;
    if (!this.transports.has(to) || !this.isUp(to)) return this.refuse(from, to, bytes);
    if (!this.canReach(from, to)) return this.drop(from, to, bytes, 'cut');
    const link = this.linkConfig(from, to);
    if (link.lossRate > 0 && this.rng.chance(link.lossRate)) return this.drop(from, to, bytes, 'loss');
    const copies = link.duplicateRate > 0 && this.rng.chance(link.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      // Cloned now, so a sender that reuses its object after `send` cannot change what arrives; one clone per copy.
      const payload = this.clone ? structuredClone(message) : message;
      this.clock.setTimer(this.delayOf(link), () => this.arrive(from, to, payload, bytes), 'net');
    }
  }

  private delayOf(link: LinkConfig): number {
    let delay = link.latencyMs;
    if (link.jitterMs > 0) delay += this.rng.next() * link.jitterMs;
    if (link.reorderRate > 0 && this.rng.chance(link.reorderRate)) delay += link.reorderDelayMs;
    return delay;
  }

  private arrive(from: string, to: string, payload: unknown, bytes: number): void {
    if (!this.isUp(to)) return this.drop(from, to, bytes, 'receiver-down');
    if (!this.canReach(from, to)) return this.drop(from, to, bytes, 'cut');
    const t = this.transports.get(to) as SimTransport;
    if (t.handlers.length === 0) return this.drop(from, to, bytes, 'no-handler');
    const receiver = this.counters.get(to) as NodeStats;
    receiver.receivedMessages++;
    receiver.receivedBytes += bytes;
    this.onEvent?.({ kind: 'deliver', atMs: this.clock.now(), from, to, bytes });
    // Each handler gets its own clone when several listen, so none can alter another's view.
    const many = t.handlers.length > 1 && this.clone;
    for (const handler of [...t.handlers]) handler(from, many ? structuredClone(payload) : payload);
  }

  private refuse(from: string, to: string, bytes: number): void {
    this.drop(from, to, bytes, this.transports.has(to) ? 'receiver-down' : 'unknown-node');
    const t = this.transports.get(from);
    if (t === undefined || t.lossHandlers.length === 0) return;
    this.clock.setTimer(this.linkConfig(from, to).latencyMs, () => {
      if (!this.isUp(from)) return;
      for (const handler of [...t.lossHandlers]) handler(to);
    }, 'net-loss');
  }

  private drop(from: string, to: string, bytes: number, reason: DropReason): void {
    const c = this.counters.get(from);
    if (c !== undefined) c.droppedMessages++;
    this.onEvent?.({ kind: 'drop', atMs: this.clock.now(), from, to, bytes, reason });
  }
}

function pairKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function zeroStats(): NodeStats {
  return { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0, droppedMessages: 0 };
}

function checkLink(link: LinkConfig): LinkConfig {
  const delays = [link.latencyMs, link.jitterMs, link.reorderDelayMs];
  const rates = [link.lossRate, link.duplicateRate, link.reorderRate];
  if (!delays.every((d) => d >= 0 && d <= delayMsMax)) {
    throw new SimError('invalid-argument', `link delays must be in [0, ${delayMsMax}] ms: ${JSON.stringify(link)}`);
  }
  if (!rates.every((r) => r >= 0 && r <= 1)) {
    throw new SimError('invalid-argument', `link rates must be in [0, 1]: ${JSON.stringify(link)}`);
  }
  return link;
}
