/**
 * Request deadlines on one coarse timer: the dispatcher's replacement for a
 * `setTimeout`/`clearTimeout` pair per request (issue 12: that pair, and the
 * timer object each allocates, was a fixed cost of every operation).
 *
 * Structure: one intrusive, doubly linked FIFO list per distinct timeout
 * (ms). Entries of one list are added with non-decreasing deadlines (a
 * fixed timeout from a non-decreasing clock), so each list is ordered by
 * deadline and its head is its earliest. Adding and removing are O(1) and
 * allocate nothing (the links live on the entry); a sweep looks only at the
 * heads. A client uses one timeout, or a few, so there are few lists.
 *
 * Concurrency: single-threaded (event loop); `onExpire` runs inside a sweep
 * and may add or remove entries.
 * Invariants:
 *   1. An entry expires (`onExpire`) at most once, and only while it is in
 *      the queue: `remove` before its sweep means it never expires.
 *   2. Never early: an entry expires only when `clock.now() ≥` its deadline.
 *   3. At most `granularityMs` late, plus the event loop's own lag (which a
 *      per-request timer has too): the timer is armed for the earliest
 *      deadline rounded up to a multiple of `granularityMs`, so every
 *      deadline in that window is swept by one firing.
 *   4. At most one clock timer is armed at a time; none once the queue is
 *      empty at a sweep, and none after `clear()`.
 *   5. Requires a clock whose `now()` never decreases (the system clock is
 *      monotonic); a clock that stepped back would delay expiries by the step.
 */

import type { Clock } from './ports.js';

/** The links and deadline an entry carries; the queue owns these fields while the entry is in it. */
export interface DeadlineEntry {
  /** When it expires (clock ms); set by `add`. */
  deadlineMs: number;
  /** The list it is in (undefined when not queued); set by the queue. */
  deadlineList: DeadlineList | undefined;
  deadlinePrev: DeadlineEntry | undefined;
  deadlineNext: DeadlineEntry | undefined;
}

/** One timeout's entries, oldest (earliest deadline) first. */
export interface DeadlineList {
  head: DeadlineEntry | undefined;
  tail: DeadlineEntry | undefined;
}

/**
 * The deadlines of one dispatcher's requests.
 *
 * When to use: one per dispatcher; `add` when a request is created,
 * `remove` when it settles, `clear` on close.
 * Gotchas: an entry must not be added twice; `onExpire` receives entries
 * already removed from the queue.
 */
export class DeadlineQueue<T extends DeadlineEntry> {
  private readonly lists = new Map<number, DeadlineList>();
  private count = 0;
  private timer: unknown;
  /** The clock time the armed timer fires at (undefined when none is armed). */
  private armedAtMs: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly granularityMs: number,
    private readonly onExpire: (entry: T) => void,
  ) {
    if (!(Number.isInteger(granularityMs) && granularityMs >= 1)) {
      throw new Error(`client-sdk: assertion failed: deadline granularity ${granularityMs} ms is not a positive integer`);
    }
  }

  /** Entries waiting for their deadline. */
  get size(): number {
    return this.count;
  }

  /** True while a clock timer is armed (tests: invariant 4). */
  get armed(): boolean {
    return this.armedAtMs !== undefined;
  }

  /** Queues `entry` to expire `timeoutMs` from now (a positive integer). */
  add(entry: T, timeoutMs: number): void {
    const deadlineMs = this.clock.now() + timeoutMs;
    let list = this.lists.get(timeoutMs);
    if (list === undefined) {
      list = { head: undefined, tail: undefined };
      this.lists.set(timeoutMs, list);
    }
    entry.deadlineMs = deadlineMs;
    entry.deadlineList = list;
    entry.deadlinePrev = list.tail;
    entry.deadlineNext = undefined;
    if (list.tail === undefined) list.head = entry;
    else list.tail.deadlineNext = entry;
    list.tail = entry;
    this.count++;
    const fireAtMs = this.roundUp(deadlineMs);
    if (this.armedAtMs === undefined || fireAtMs < this.armedAtMs) this.arm(fireAtMs);
  }

  /** Takes `entry` out (it will not expire); a no-op when it is not queued. The timer stays armed: the next sweep re-arms or stops it. */
  remove(entry: T): void {
    const list = entry.deadlineList;
    if (list === undefined) return;
    const prev = entry.deadlinePrev;
    const next = entry.deadlineNext;
    if (prev === undefined) list.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) list.tail = prev;
    else next.deadlinePrev = prev;
    entry.deadlineList = entry.deadlinePrev = entry.deadlineNext = undefined;
    this.count--;
  }

  /** Removes every entry without expiring it and disarms the timer. */
  clear(): void {
    for (const list of this.lists.values()) {
      for (let e = list.head; e !== undefined; ) {
        const next = e.deadlineNext;
        e.deadlineList = e.deadlinePrev = e.deadlineNext = undefined;
        e = next;
      }
    }
    this.lists.clear();
    this.count = 0;
    this.disarm();
  }

  private roundUp(ms: number): number {
    return Math.ceil(ms / this.granularityMs) * this.granularityMs;
  }

  private arm(fireAtMs: number): void {
    this.disarm();
    this.armedAtMs = fireAtMs;
    this.timer = this.clock.setTimer(() => this.sweep(), Math.max(0, fireAtMs - this.clock.now()));
  }

  private disarm(): void {
    if (this.armedAtMs === undefined) return;
    this.clock.clearTimer(this.timer);
    this.armedAtMs = undefined;
    this.timer = undefined;
  }

  /** Expires every entry whose deadline has passed, then arms for the earliest left (or stops). */
  private sweep(): void {
    this.armedAtMs = undefined;
    this.timer = undefined;
    const now = this.clock.now();
    for (const [timeoutMs, list] of this.lists) {
      for (let e = list.head; e !== undefined && e.deadlineMs <= now; e = list.head) {
        this.remove(e as T);
        this.onExpire(e as T);
      }
      // A list left empty is dropped so per-request timeouts that vary do not pile up lists.
      if (list.head === undefined && this.lists.get(timeoutMs) === list) this.lists.delete(timeoutMs);
    }
    let earliest = Infinity;
    for (const list of this.lists.values()) if (list.head !== undefined && list.head.deadlineMs < earliest) earliest = list.head.deadlineMs;
    if (earliest === Infinity) return this.disarm();
    // onExpire may have added an entry, which armed the timer already (possibly later than another list's head).
    const fireAtMs = this.roundUp(earliest);
    if (this.armedAtMs === undefined || fireAtMs < this.armedAtMs) this.arm(fireAtMs);
  }
}
