/**
 * Requests and bytes per second for one token (issue 16), shared by every
 * connection that presents it: two token buckets that refill continuously
 * and hold at most one second of their rate.
 *
 * Invariants:
 *   1. `admit` either takes one request and `bytes` from both buckets and
 *      returns 0, or takes nothing and returns how long (ms) until both
 *      would hold enough: a refused request costs the token nothing.
 *   2. A single request larger than a second of `bytesPerSec` (or a batch of
 *      more ops than a second of `requestsPerSec`) is admitted when the
 *      bucket is full (and leaves it in debt), so a rate below the largest
 *      request never refuses that request forever.
 */
export class RateLimiter {
  private requests: number;
  private bytes: number;
  private atMs: number;

  constructor(
    readonly requestsPerSec: number | undefined,
    readonly bytesPerSec: number | undefined,
    nowMs: number,
  ) {
    this.requests = requestsPerSec ?? 0;
    this.bytes = bytesPerSec ?? 0;
    this.atMs = nowMs;
  }

  /** Invariant 1: 0 when admitted (and charged `requests` and `bytes`), else the wait in ms. */
  admit(bytes: number, nowMs: number, requests = 1): number {
    const elapsedSec = Math.max(0, nowMs - this.atMs) / 1000;
    this.atMs = Math.max(this.atMs, nowMs);
    let waitMs = 0;
    if (this.requestsPerSec !== undefined) {
      this.requests = Math.min(this.requestsPerSec, this.requests + elapsedSec * this.requestsPerSec);
      const need = Math.min(requests, this.requestsPerSec); // invariant 2
      if (this.requests < need) waitMs = Math.max(waitMs, ((need - this.requests) * 1000) / this.requestsPerSec);
    }
    if (this.bytesPerSec !== undefined) {
      this.bytes = Math.min(this.bytesPerSec, this.bytes + elapsedSec * this.bytesPerSec);
      const need = Math.min(bytes, this.bytesPerSec); // invariant 2
      if (this.bytes < need) waitMs = Math.max(waitMs, ((need - this.bytes) * 1000) / this.bytesPerSec);
    }
    if (waitMs > 0) return waitMs;
    if (this.requestsPerSec !== undefined) this.requests -= requests;
    if (this.bytesPerSec !== undefined) this.bytes -= bytes;
    return 0;
  }
}
