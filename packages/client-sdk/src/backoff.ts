/**
 * Reconnect delays: capped exponential backoff with jitter.
 *
 * Invariant: for round r ≥ 0 the delay lies in [d/2, d) where
 * d = min(capMs, baseMs · 2^r), so delays grow until the cap, and clients
 * that lost the same node spread their retries over half the window
 * ("equal jitter": never zero, never synchronised).
 */

import type { Random } from './ports.js';

/** The delay before reconnect round `round` (0 for the first wait). */
export function backoffDelayMs(round: number, baseMs: number, capMs: number, random: Random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(round, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
