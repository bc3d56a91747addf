/**
 * Publication of writes to readers: a write becomes visible only once every
 * earlier write that asked for `sync` durability is durable.
 *
 * Without this, a reader could see a `sync` write before its fsync, and lose
 * sight of it again if the fsync failed and the machine crashed; and a
 * snapshot taken in between would not be stable. Writes are appended to the
 * log and inserted into the memtable at once (in sequence order); what lags
 * is the visible sequence number readers use as their snapshot.
 *
 * Invariants:
 *   1. `visibleSeq()` never decreases, and every seq <= it is either durable
 *      or was written with a durability that did not ask to wait.
 *   2. A waiter for seq s is resolved exactly when `visibleSeq() >= s`, or
 *      rejected by `failAll`.
 */
interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Publisher {
  /** First seqs of `sync` writes whose fsync is pending, in append order. */
  private pending: number[] = [];
  private head = 0;
  private done = new Set<number>();
  private waiters: Waiter[] = [];
  private appended: number;
  private failure: unknown;

  constructor(lastSeq: number) {
    this.appended = lastSeq;
  }

  visibleSeq(): number {
    return this.head < this.pending.length ? (this.pending[this.head] as number) - 1 : this.appended;
  }

  /** Records that seqs up to `lastSeq` are in the log and memtable. */
  appendedThrough(lastSeq: number): void {
    this.appended = lastSeq;
    if (this.waiters.length > 0) this.wake();
  }

  /** A `sync` write starting at `firstSeq` waits for its fsync before it (and anything after it) is visible. */
  holdFor(firstSeq: number): void {
    this.pending.push(firstSeq);
  }

  /** The fsync covering the write that started at `firstSeq` completed. */
  release(firstSeq: number): void {
    this.done.add(firstSeq);
    while (this.head < this.pending.length && this.done.delete(this.pending[this.head] as number)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    this.wake();
  }

  /** Resolves when `seq` is visible (invariant 2). */
  whenVisible(seq: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.visibleSeq() >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** After a fatal error: no held write will ever become visible. */
  failAll(error: unknown): void {
    this.failure = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  private wake(): void {
    const visible = this.visibleSeq();
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= visible) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
