/**
 * The three seams gossip runs on. Gossip never reads the system clock, never
 * draws `Math.random`, never opens a socket: the node passes real
 * implementations, tests pass `@ringkv/sim`'s `SimClock`, an `Rng` and a
 * `SimTransport`, which satisfy these shapes structurally.
 */

/** Time in milliseconds and one-shot timers. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are used. */
  now(): number;
  /** Runs `fn` once after `delayMs`; returns a handle for `clearTimer`. */
  setTimer(delayMs: number, fn: () => void): unknown;
  /** Cancels a timer; must tolerate a handle that already fired. */
  clearTimer(handle: unknown): void;
}

/** A source of uniform floats in [0, 1), seeded in tests. */
export interface Random {
  next(): number;
}

/**
 * Unreliable, unordered delivery of plain-data messages between addresses.
 * Gossip tolerates loss, duplication and reordering; it never needs a reply
 * to a particular send.
 */
export interface Transport {
  /** Sends `message` to the node at `to` (an address from membership or the seed list). Never throws for an unreachable peer. */
  send(to: string, message: unknown): void;
  /**
   * Registers a receiver of incoming messages; `from` is informational (gossip
   * replies to the address inside the message). If it returns a function,
   * gossip calls it on `stop()` to unregister.
   */
  onMessage(handler: (from: string, message: unknown) => void): unknown;
}
