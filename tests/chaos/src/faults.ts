/**
 * The fault table the proxies consult: which directed links between
 * endpoints (node ids, and `client` for every workload client) are blocked
 * and which carry extra latency. The nemesis edits it; proxies are told of
 * every change and apply it to connections already open.
 *
 * Invariants:
 *   1. A link is directed: blocking a→b stalls the bytes a sends to b on every
 *      connection between them (whoever dialed), nothing else.
 *   2. `heal()` leaves no rule behind: every link is open, without delay.
 *   3. Listeners run after each change (once per `batch`), in registration order.
 */

/** The endpoint name of every workload client. */
export const clientEndpoint = 'client';

/** The state of one directed link. */
export interface LinkState {
  readonly blocked: boolean;
  readonly delayMs: number;
}

const linkKey = (from: string, to: string): string => `${from}>${to}`;

/** Blocked and delayed directed links between named endpoints. */
export class FaultTable {
  private readonly blocked = new Set<string>();
  private readonly delays = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];
  private batching = false;

  /** Blocks every link from a member of `from` to a member of `to` (one way). */
  block(from: readonly string[], to: readonly string[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.blocked.add(linkKey(a, b));
    this.changed();
  }

  /** Splits the endpoints into groups: every link between two groups is blocked both ways. */
  partition(groups: readonly (readonly string[])[]): void {
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.blocked.add(linkKey(a, b));
    this.changed();
  }

  /** Adds `delayMs` of latency to every link from a member of `from` to a member of `to`. */
  delay(from: readonly string[], to: readonly string[], delayMs: number): void {
    for (const a of from) for (const b of to) if (a !== b) this.delays.set(linkKey(a, b), delayMs);
    this.changed();
  }

  /** Clears every rule. */
  heal(): void {
    this.blocked.clear();
    this.delays.clear();
    this.changed();
  }

  /** The state of the link from `from` to `to`. */
  link(from: string, to: string): LinkState {
    const key = linkKey(from, to);
    return { blocked: this.blocked.has(key), delayMs: this.delays.get(key) ?? 0 };
  }

  /**
   * Runs `edit` (several changes) and tells the listeners once, at the end:
   * a proxy never sees the states in between (a heal then a new partition
   * would otherwise release stalled bytes for an instant).
   */
  batch(edit: () => void): void {
    this.batching = true;
    try {
      edit();
    } finally {
      this.batching = false;
    }
    this.changed();
  }

  /** True when no rule is in force. */
  isHealed(): boolean {
    return this.blocked.size === 0 && this.delays.size === 0;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private changed(): void {
    if (this.batching) return;
    for (const l of [...this.listeners]) l();
  }
}
