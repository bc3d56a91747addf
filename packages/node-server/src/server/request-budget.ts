/**
 * The node's budget of request bytes in flight (issue 15, item 4): frame
 * bytes of client requests that are running, over all connections. A
 * connection starts a request only when it fits here (and in its own bound,
 * connection.ts); otherwise the request waits, the connection is no longer
 * read, and it is woken when bytes are released.
 *
 * Concurrency model: synchronous, on the event loop; waiters are woken in
 * the order they started waiting, each re-checking for room.
 *
 * Invariants:
 *   1. `bytes` never exceeds `maxBytes`, except by a single request that runs
 *      alone because it is larger than the whole budget (so it cannot wait
 *      forever).
 *   2. A request larger than `smallRequestBytesMax` starts only while
 *      `bytes` stays within `maxBytes × (1 − nodeRequestBytesSmallShare)`:
 *      the rest is kept for small requests, so a flood of large puts cannot
 *      starve other clients' gets and small puts.
 *   3. While the storage reports it is behind (`storageBehind()`: L0 at the
 *      engine's slowdown trigger, memtables waiting for a flush, a long write
 *      queue), no large request starts: the node stops taking in what the
 *      engine cannot absorb before the engine stalls every write (at its L0
 *      stop trigger), so small requests keep flowing. Waiters are re-checked
 *      every `storagePressureCheckMs` while any wait.
 */
import { nodeRequestBytesSmallShare, smallRequestBytesMax, storagePressureCheckMs } from '../limits.js';

export class RequestBudget {
  /** Request bytes running now. */
  bytes = 0;
  /** Most bytes ever running at once. */
  peakBytes = 0;
  /** Times a request had to wait for room here. */
  waits = 0;
  private waiting = new Set<() => void>();
  private recheck: NodeJS.Timeout | undefined;

  constructor(
    readonly maxBytes: number,
    /** True while the storage is behind (invariant 3); the node passes `storageBehind` (store/pressure.ts). */
    readonly storageBehind: () => boolean = () => false,
  ) {}

  /** True if a request of `size` bytes may start now (invariants 1–3). */
  fits(size: number): boolean {
    const large = size > smallRequestBytesMax;
    if (large && this.storageBehind()) return false;
    if (this.bytes === 0) return true;
    if (!large) return this.bytes + size <= this.maxBytes;
    return this.bytes + size <= this.maxBytes * (1 - nodeRequestBytesSmallShare);
  }

  take(size: number): void {
    this.bytes += size;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
  }

  /** Returns `size` bytes and wakes the waiters (each re-checks `fits`). */
  release(size: number): void {
    this.bytes -= size;
    this.wakeAll();
  }

  private readonly wakeAll = (): void => {
    clearTimeout(this.recheck);
    this.recheck = undefined;
    if (this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting = new Set();
    for (const wake of woken) wake();
  };

  /**
   * Calls `wake` once after the next release, or after `storagePressureCheckMs`
   * (the storage may have caught up without any release). Idempotent per callback.
   */
  wait(wake: () => void): void {
    if (!this.waiting.has(wake)) this.waits++;
    this.waiting.add(wake);
    if (this.recheck === undefined) {
      this.recheck = setTimeout(this.wakeAll, storagePressureCheckMs);
      this.recheck.unref();
    }
  }

  cancel(wake: () => void): void {
    this.waiting.delete(wake);
    if (this.waiting.size === 0) {
      clearTimeout(this.recheck);
      this.recheck = undefined;
    }
  }

  /** Connections waiting for room. */
  get waitingCount(): number {
    return this.waiting.size;
  }
}
