/**
 * The real clock and random source. The SDK is layer 2 (it may touch the
 * platform), but everything else takes these through `ports.ts` so tests can
 * replace them.
 */

import type { Clock, Random } from './ports.js';

/** Read once: `performance.timeOrigin` is a getter, slower than `performance.now()` itself. */
const timeOriginMs = performance.timeOrigin;

/**
 * A monotonic clock in epoch ms (`performance.timeOrigin + performance.now()`,
 * so it never steps back with the wall clock: request deadlines rely on it)
 * and the platform's timers.
 */
export const systemClock: Clock = Object.freeze({
  now: () => timeOriginMs + performance.now(),
  setTimer: (callback: () => void, delayMs: number): unknown => setTimeout(callback, delayMs),
  clearTimer: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** `Math.random`: jitter needs no cryptographic quality. */
export const systemRandom: Random = () => Math.random();
