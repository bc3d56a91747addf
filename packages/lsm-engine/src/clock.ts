/**
 * The engine's source of time, and the only file of the package allowed to
 * read the wall clock or arm a real timer (the layering lint allowlists it).
 *
 * The engine uses time for three things: the `interval` durability mode (fsync
 * at least every `syncIntervalMs`), the write-stall timeout, and the seq→time
 * checkpoints behind the tombstone grace period. Tests inject a manual clock so
 * none of them depends on real time passing.
 *
 * Invariants:
 *   1. `nowMs()` never decreases between two calls on the same clock.
 *   2. A timer callback runs at most once, and never after its cancel function
 *      has been called.
 */

/** Time and one-shot timers, injected into the engine (`EngineOptions.clock`). */
export interface Clock {
  /** Milliseconds since an arbitrary epoch (wall-clock milliseconds for the system clock). */
  nowMs(): number;
  /**
   * Runs `callback` once, `delayMs` from now. Returns a function that cancels
   * it. The system clock's timers keep the process alive (like any pending
   * I/O): the engine awaits them for background work, and an unref'd timer
   * would let Node exit with a flush half done.
   */
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  nowMs(): number {
    return Date.now();
  },
  setTimer(delayMs: number, callback: () => void): () => void {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};
