/**
 * A token bucket on the injected clock: `take(bytes)` resolves once the
 * average rate since the bucket was full stays within `bytesPerSec`.
 *
 * Invariants:
 *   1. The bucket holds at most one second of tokens (the burst).
 *   2. A take larger than the tokens left goes into debt and waits exactly
 *      long enough for the debt to be repaid, so chunks larger than the
 *      burst still pass, at the configured rate on average.
 *   3. Takes are served in call order (each waits for the debt of those before it).
 */
import type { Clock } from '@ringkv/quorum';

/** A byte-rate limiter (module comment). */
export class TokenBucket {
  private tokens: number;
  private atMs: number;
  /** Bytes taken since creation. */
  taken = 0;

  constructor(
    private readonly clock: Clock,
    readonly bytesPerSec: number,
  ) {
    this.tokens = bytesPerSec;
    this.atMs = clock.now();
  }

  /** The wait (ms) `take(bytes)` would impose now, without taking. */
  waitMsFor(bytes: number): number {
    const tokens = this.refilled(this.clock.now()) - bytes;
    return tokens >= 0 ? 0 : (-tokens * 1000) / this.bytesPerSec;
  }

  /** Takes `bytes`; resolves at once when the bucket holds them, else after the debt is repaid. */
  take(bytes: number): Promise<void> {
    const now = this.clock.now();
    this.tokens = this.refilled(now) - bytes;
    this.atMs = now;
    this.taken += bytes;
    if (this.tokens >= 0) return Promise.resolve();
    const waitMs = (-this.tokens * 1000) / this.bytesPerSec;
    return new Promise<void>((resolve) => this.clock.setTimer(waitMs, resolve));
  }

  private refilled(now: number): number {
    return Math.min(this.bytesPerSec, this.tokens + ((now - this.atMs) * this.bytesPerSec) / 1000);
  }
}
