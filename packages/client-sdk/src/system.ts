/**
 * The real clock and random source. The SDK is layer 2 (it may touch the
 * platform), but everything else takes these through `ports.ts` so tests can
 * replace them.
 */

import type { Clock, Random } from './ports.js';

/** `Date.now` and the platform's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer: (callback: () => void, delayMs: number): unknown => setTimeout(callback, delayMs),
  clearTimer: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** `Math.random`: jitter needs no cryptographic quality. */
export const systemRandom: Random = () => Math.random();
