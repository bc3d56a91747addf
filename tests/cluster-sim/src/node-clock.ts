/**
 * A node's view of time in the simulation: the shared `SimClock` plus a
 * per-node offset (skew and jumps), with a pause switch and a kill switch.
 *
 * Concurrency model: single-threaded on the sim clock. Every timer of the
 * node is a timer of the shared clock, so timers of all nodes fire in one
 * global order fixed by the seed, whatever the offsets.
 *
 * Invariants:
 *   1. `now()` = sim time + offset; an offset change (a jump) moves `now()`
 *      at once and never reorders or re-times pending timers (their delays
 *      are measured in sim time, as a real monotonic timer would be).
 *   2. While paused, no timer callback of the node runs: due callbacks are
 *      held, in firing order, and run (in that order) on `resume`.
 *   3. After `kill`, no callback of this clock ever runs (a crashed process
 *      has no timers); a restart makes a new `NodeClock`.
 *   4. `engineClock` never goes backwards (the lsm-engine's Clock contract),
 *      even across a backward jump of the node clock.
 */
import type { SimClock } from '@ringkv/sim';

/** The lsm-engine's clock port: ms and a cancellable timer. */
export interface EngineClock {
  nowMs(): number;
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** One node's clock (module comment). */
export class NodeClock {
  private offsetMs: number;
  private paused = false;
  private alive = true;
  private held: (() => void)[] = [];
  private engineLastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sim: SimClock,
    /** Names this node's timers in the trace. */
    private readonly label: string,
    offsetMs = 0,
  ) {
    this.offsetMs = offsetMs;
  }

  /** The node's time: sim time plus its offset. */
  now(): number {
    return this.sim.now() + this.offsetMs;
  }

  /** Runs `fn` after `delayMs` of sim time, unless the node is dead; held while it is paused. */
  setTimer(delayMs: number, fn: () => void): unknown {
    return this.sim.setTimer(Math.max(0, delayMs), () => this.fire(fn), this.label);
  }

  /** Cancels a timer (a no-op for one that fired). */
  clearTimer(handle: unknown): void {
    this.sim.clearTimer(handle);
  }

  /** The offset now (skew); the nemesis reports it. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Sets the offset: a skew at start, or a jump (forward or backward) later. */
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  /** True while paused. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Freezes the node's timers (invariant 2). */
  pause(): void {
    this.paused = true;
  }

  /** Runs the held callbacks, in order, on zero-delay timers; later ones fire normally. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const fn of held) this.sim.setTimer(0, () => this.fire(fn), this.label);
  }

  /** Kills every timer of this clock for good (invariant 3). */
  kill(): void {
    this.alive = false;
    this.held = [];
  }

  /** True until `kill`. */
  get isAlive(): boolean {
    return this.alive;
  }

  /** The same clock in the lsm-engine's shape, monotonic (invariant 4). */
  readonly engineClock: EngineClock = {
    nowMs: () => (this.engineLastMs = Math.max(this.engineLastMs, this.now())),
    setTimer: (delayMs, callback) => {
      const handle = this.setTimer(delayMs, callback);
      return () => this.clearTimer(handle);
    },
  };

  private fire(fn: () => void): void {
    if (!this.alive) return;
    if (this.paused) this.held.push(fn);
    else fn();
  }
}
