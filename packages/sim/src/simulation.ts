/**
 * The simulation harness: one seed drives a clock, a network and every random
 * stream handed out, and everything that happens is folded into a trace.
 *
 * Concurrency model: single-threaded; the world moves only inside `step`,
 * `advance` and `runUntil` (or the same calls on `clock`).
 *
 * Invariants:
 *   1. Same seed, same code, same calls ⇒ same trace, line for line, and so the
 *      same `traceHash()`.
 *   2. After every fired timer (a delivery, a tick, anything on the clock) every
 *      registered invariant runs; the first that fails throws `invariant-violated`
 *      naming itself, the step, the simulated time and the seed to replay.
 */
import { SimClock } from './clock.js';
import { SimError } from './errors.js';
import { traceKeptLinesDefault } from './limits.js';
import { SimNetwork, type LinkConfig, type NetworkEvent } from './network.js';
import { Rng } from './random.js';
import { seedNote } from './seed.js';
import { Trace } from './trace.js';

/** An invariant: return `false` or a message (or throw) to fail; anything else passes. */
export type InvariantCheck = () => boolean | string | void | undefined;

/** Options of a `Simulation`. */
export interface SimulationOptions {
  /** The seed of everything; use `testSeed(default)` so `SEED=` replays. */
  readonly seed: number;
  /** The default link of the network. */
  readonly link?: Partial<LinkConfig>;
  /** Bytes of a message (default: MessagePack size estimate). */
  readonly sizeOf?: (message: unknown) => number;
  /** Deliver structured clones (default true). */
  readonly cloneMessages?: boolean;
  /** Trace lines kept for `traceTail()` (default `traceKeptLinesDefault`). */
  readonly traceKeptLines?: number;
  /** Virtual time the clock starts at (default 0). */
  readonly startMs?: number;
}

/**
 * A seeded, traced, checked world.
 *
 * When to use: every cluster-level test. Build one with `testSeed(n)`, create
 * nodes on `sim.network.transport(id)` with `sim.clock` and `sim.fork('node:' + id)`,
 * register invariants, then `advance`/`runUntil`.
 * Details: the trace holds deliveries (`d`), drops (`x`, with the reason),
 * timer firings (`t`, except network deliveries, which are `d`/`x` lines) and
 * anything the test `record`s.
 * Gotchas: `fork(label)` does not advance the root generator, so two forks with
 * the same label are the same stream: give every consumer its own label.
 */
export class Simulation {
  readonly seed: number;
  readonly rng: Rng;
  readonly clock: SimClock;
  readonly network: SimNetwork;
  private readonly trace: Trace;
  private readonly invariants: Array<{ name: string; check: InvariantCheck }> = [];
  private steps = 0;

  constructor(options: SimulationOptions) {
    this.seed = options.seed >>> 0;
    this.rng = new Rng(this.seed);
    this.clock = new SimClock(options.startMs ?? 0);
    this.trace = new Trace(options.traceKeptLines ?? traceKeptLinesDefault);
    this.network = new SimNetwork(this.clock, this.rng.fork('network'), {
      ...(options.link === undefined ? {} : { link: options.link }),
      ...(options.sizeOf === undefined ? {} : { sizeOf: options.sizeOf }),
      ...(options.cloneMessages === undefined ? {} : { cloneMessages: options.cloneMessages }),
      onEvent: (event) => this.trace.record(networkLine(event)),
    });
    this.clock.onFire((label, atMs) => this.afterStep(label, atMs));
  }

  /** An independent random stream for one consumer (a node, a workload), fixed by the seed and `label`. */
  fork(label: string): Rng {
    return this.rng.fork(label);
  }

  /** Adds a line of the test's own to the trace (e.g. "kill n3"). */
  record(line: string): void {
    this.trace.record(`${this.clock.now()} ${line}`);
  }

  /** 16 hex digits over the whole trace so far: equal for equal runs. */
  traceHash(): string {
    return this.trace.hash();
  }

  /** Lines in the trace so far. */
  traceLength(): number {
    return this.trace.length();
  }

  /** The last trace lines kept, oldest first: print them when a run fails. */
  traceTail(): readonly string[] {
    return this.trace.lastLines();
  }

  /** Timers fired so far. */
  stepCount(): number {
    return this.steps;
  }

  /** Registers a check run after every step (and by `checkInvariants`). */
  addInvariant(name: string, check: InvariantCheck): void {
    this.invariants.push({ name, check });
  }

  /** Runs every invariant now; throws `invariant-violated` on the first failure. */
  checkInvariants(): void {
    for (const { name, check } of this.invariants) {
      let verdict: ReturnType<InvariantCheck>;
      try {
        verdict = check();
      } catch (error) {
        throw this.violation(name, error instanceof Error ? error.message : String(error), error);
      }
      if (verdict === false || typeof verdict === 'string') {
        throw this.violation(name, verdict === false ? 'returned false' : verdict);
      }
    }
  }

  /** Fires the next timer; false when nothing is pending. */
  step(): boolean {
    return this.clock.step();
  }

  /** Moves time forward by `ms`, firing everything due. */
  advance(ms: number): number {
    return this.clock.advance(ms);
  }

  /** Steps until the predicate holds or the absolute time is reached; see `SimClock.runUntil`. */
  runUntil(until: number | (() => boolean), stepsMax?: number): boolean {
    return this.clock.runUntil(until, stepsMax);
  }

  /** Fires timers until none is pending; see `SimClock.runUntilIdle`. */
  runUntilIdle(stepsMax?: number): number {
    return this.clock.runUntilIdle(stepsMax);
  }

  private afterStep(label: string, atMs: number): void {
    this.steps++;
    if (label !== 'net') this.trace.record(`${atMs} t ${label}`);
    if (this.invariants.length > 0) this.checkInvariants();
  }

  private violation(name: string, detail: string, cause?: unknown): SimError {
    return new SimError(
      'invariant-violated',
      `invariant "${name}" violated at step ${this.steps}, t=${this.clock.now()} ms: ${detail} ${seedNote(this.seed)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

function networkLine(event: NetworkEvent): string {
  if (event.kind === 'deliver') return `${event.atMs} d ${event.from}>${event.to} ${event.bytes}`;
  return `${event.atMs} x ${event.from}>${event.to} ${event.bytes} ${event.reason}`;
}
