/**
 * A virtual clock: time in milliseconds that moves only when the test moves it.
 *
 * Concurrency model: single-threaded and synchronous. A timer callback runs
 * inside `step()` (or `advance`/`runUntil`, which call it), may set or clear
 * other timers, and never overlaps another callback.
 *
 * Invariants:
 *   1. `now()` never decreases.
 *   2. Timers fire in order of (due time, creation order): two timers due at the
 *      same instant fire in the order they were set, on every run.
 *   3. A cleared timer never fires; clearing an unknown or fired handle is a no-op.
 *   4. A timer set for a delay of 0 from inside a callback fires after the
 *      current callback, never inside it.
 */
import { SimError } from './errors.js';
import { delayMsMax, runStepsMax } from './limits.js';

/** The handle `setTimer` returns; pass it to `clearTimer`. */
export type TimerHandle = number;

/** Called after each timer fires: its label and the time it fired at. */
export type TimerListener = (label: string, atMs: number) => void;

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly label: string;
  readonly fn: () => void;
}

/**
 * Virtual time with timers, structurally a `Clock` port (`now`, `setTimer`,
 * `clearTimer`) for code under test.
 *
 * When to use: every test of code that waits, times out or runs periodically.
 * Details: `step()` jumps to the next due timer and fires it; `advance(ms)`
 * fires everything due within `ms` and ends exactly `ms` later; `runUntil`
 * steps until a predicate holds or a time is reached.
 * Gotchas: periodic timers (a gossip tick) keep the clock busy forever, so
 * `runUntilIdle()` on such a world hits its step bound; use `advance` or
 * `runUntil` there.
 */
export class SimClock {
  private nowMs: number;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private readonly live = new Set<number>();
  private readonly listeners: TimerListener[] = [];

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  /** The current virtual time in ms. */
  now(): number {
    return this.nowMs;
  }

  /** Runs `fn` once, `delayMs` from now (≥ 0); `label` names it in traces. */
  setTimer(delayMs: number, fn: () => void, label = 'timer'): TimerHandle {
    if (!(delayMs >= 0 && delayMs <= delayMsMax)) {
      throw new SimError('invalid-argument', `timer delay must be in [0, ${delayMsMax}] ms, got ${delayMs}`);
    }
    const seq = ++this.seq;
    heapPush(this.heap, { atMs: this.nowMs + delayMs, seq, label, fn });
    this.live.add(seq);
    return seq;
  }

  /** Cancels a timer; a no-op for a handle that fired, was cleared, or is not ours. */
  clearTimer(handle: unknown): void {
    if (typeof handle === 'number') this.live.delete(handle);
  }

  /** Timers set and not yet fired or cleared. */
  pendingTimers(): number {
    return this.live.size;
  }

  /** Due time of the next live timer, or `undefined` when idle. */
  nextDueMs(): number | undefined {
    this.dropCleared();
    return this.heap[0]?.atMs;
  }

  /** Registers a listener called after every timer fires (traces, invariant checks). */
  onFire(listener: TimerListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Jumps to the next due timer and fires it; false when no timer is pending. */
  step(): boolean {
    this.dropCleared();
    const timer = heapPop(this.heap);
    if (timer === undefined) return false;
    this.live.delete(timer.seq);
    this.nowMs = timer.atMs;
    timer.fn();
    for (const listener of this.listeners) listener(timer.label, timer.atMs);
    return true;
  }

  /** Fires every timer due within `ms` from now, then sets the time to exactly now + `ms`. Returns the timers fired. */
  advance(ms: number): number {
    if (!(ms >= 0 && ms <= delayMsMax)) {
      throw new SimError('invalid-argument', `advance must be in [0, ${delayMsMax}] ms, got ${ms}`);
    }
    return this.advanceTo(this.nowMs + ms);
  }

  /**
   * Steps until `until` holds: a predicate checked before each step, or an
   * absolute time (then like `advance` to that time). Returns true when the
   * predicate held (or the time was reached), false when the clock went idle
   * first. Throws `step-limit` after `stepsMax` timers.
   */
  runUntil(until: number | (() => boolean), stepsMax = runStepsMax): boolean {
    if (typeof until === 'number') {
      this.advanceTo(Math.max(until, this.nowMs), stepsMax);
      return true;
    }
    for (let steps = 0; ; steps++) {
      if (until()) return true;
      if (steps >= stepsMax) throw new SimError('step-limit', `runUntil fired ${stepsMax} timers without the predicate holding`);
      if (!this.step()) return until();
    }
  }

  /** Fires timers until none is pending; throws `step-limit` after `stepsMax`. Returns the timers fired. */
  runUntilIdle(stepsMax = runStepsMax): number {
    let steps = 0;
    while (this.step()) {
      if (++steps >= stepsMax) throw new SimError('step-limit', `runUntilIdle fired ${stepsMax} timers and the clock is still busy`);
    }
    return steps;
  }

  private advanceTo(targetMs: number, stepsMax = runStepsMax): number {
    let steps = 0;
    for (let due = this.nextDueMs(); due !== undefined && due <= targetMs; due = this.nextDueMs()) {
      if (steps++ >= stepsMax) throw new SimError('step-limit', `advance fired ${stepsMax} timers before reaching ${targetMs} ms`);
      this.step();
    }
    this.nowMs = Math.max(this.nowMs, targetMs);
    return steps;
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && !this.live.has((this.heap[0] as Timer).seq)) heapPop(this.heap);
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

function heapPush(heap: Timer[], timer: Timer): void {
  heap.push(timer);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i] as Timer, heap[parent] as Timer)) break;
    [heap[i], heap[parent]] = [heap[parent] as Timer, heap[i] as Timer];
    i = parent;
  }
}

function heapPop(heap: Timer[]): Timer | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l] as Timer, heap[m] as Timer)) m = l;
    if (r < heap.length && before(heap[r] as Timer, heap[m] as Timer)) m = r;
    if (m === i) return top;
    [heap[i], heap[m]] = [heap[m] as Timer, heap[i] as Timer];
    i = m;
  }
}
