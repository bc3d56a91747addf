/**
 * The real clock the cluster core runs on: `Date.now` and Node timers behind
 * the `Clock` shape of @ringkv/gossip and @ringkv/quorum. The core never
 * calls these directly, so under @ringkv/sim it runs on a virtual clock.
 * Timers are unref'd: a pending gossip round or deadline never keeps a
 * process alive on its own.
 */
import type { Clock } from '@ringkv/quorum';

/** `Date.now` and `setTimeout` as a `Clock` (ms). */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer: (delayMs: number, fn: () => void): unknown => setTimeout(fn, Math.max(0, delayMs)).unref(),
  clearTimer: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
});

/** `Math.random` as gossip's `Random` (peer choice and jitter need no seed outside tests). */
export const systemRandom = Object.freeze({ next: (): number => Math.random() });
