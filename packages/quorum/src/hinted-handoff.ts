/**
 * Hinted handoff: replays the hints a node holds to their targets once those
 * are up, in bounded batches, and expires hints past their TTL.
 *
 * Concurrency model: single-threaded. At most `replayTargetsMax` targets
 * replay at once (others wait in a queue of target ids), one batch at a time
 * per target, at most `sendsInFlightMax` sends in flight per batch (a window:
 * the next send starts as one ends). A sweep
 * timer (every `sweepIntervalMs`) replays to every live target and expires
 * hints of down ones; `onUp(node)` replays to that node at once.
 *
 * Invariants:
 *   1. A hint is deleted only after its target acknowledged the set sent, and
 *      only if the stored hint is still that set (a hint that grew meanwhile
 *      stays and is sent again); or when it expired (counted).
 *   2. The class keeps no hint in memory beyond the batch being replayed: the
 *      store is the only state, so a restart loses nothing the store kept.
 *   3. A batch holds at most `batchCountMax` hints and, past its first hint,
 *      at most `batchBytesMax` estimated bytes.
 *   4. A replay stops at the first failed send (the target is unhealthy); the
 *      next sweep or `onUp` retries. For a target that is down, the pass only
 *      expires hints, through the whole list (bounded by `hintBatchesPerReplayMax`).
 */
import type { DvvSet } from '@ringkv/vclock';
import { QuorumError } from './errors.js';
import * as limits from './limits.js';
import type { Clock, DownProvider, HintStore, Key, ReplicaClient, StoredHint } from './ports.js';

/** What a HintedHandoff is built from. */
export interface HintedHandoffOptions<V> {
  readonly store: HintStore<V>;
  /** Only `apply` is used: a replayed hint is sent as data (no `hintFor`). */
  readonly replicas: Pick<ReplicaClient<V>, 'apply'>;
  readonly clock: Clock;
  /** Who is down now (gossip): the sweep replays only to targets not in it. */
  readonly down: DownProvider;
  /** Hint lifetime, from its latest store time; default 3 h. */
  readonly hintTtlMs?: number;
  readonly sweepIntervalMs?: number;
  readonly sendTimeoutMs?: number;
  readonly batchCountMax?: number;
  readonly batchBytesMax?: number;
  readonly sendsInFlightMax?: number;
  readonly replayTargetsMax?: number;
  /** Estimated bytes of a hint's set for the batch bound; default walks the set's plain data. */
  readonly sizeOf?: (set: DvvSet<V>) => number;
}

/** Handoff counters (they only grow). */
export interface HandoffStats {
  /** Hints acknowledged by their target and deleted. */
  replayed: number;
  /** Hints deleted because they outlived the TTL. */
  expired: number;
  /** Sends refused or timed out. */
  sendFailures: number;
  batches: number;
  /** Replays started (per target). */
  replays: number;
}

/**
 * Replays and expires the hints in a HintStore.
 *
 * When to use: one per node, beside its Coordinator, over the same HintStore
 * the node's replica handler stores fallback hints in. Call `start()`, forward
 * gossip's `up` events to `onUp`, and `stop()` on shutdown.
 * Gotcha: the HintStore is shared with writers; the class tolerates hints
 * appearing and growing while it replays (invariant 1).
 */
export class HintedHandoff<V> {
  readonly stats: HandoffStats = { replayed: 0, expired: 0, sendFailures: 0, batches: 0, replays: 0 };
  private readonly ttlMs: number;
  private readonly sweepMs: number;
  private readonly sendTimeoutMs: number;
  private readonly countMax: number;
  private readonly bytesMax: number;
  private readonly sendsMax: number;
  private readonly targetsMax: number;
  private readonly sizeOf: (set: DvvSet<V>) => number;
  private readonly active = new Map<string, Promise<void>>();
  private readonly waiting: string[] = [];
  private timer: unknown;
  private running = false;
  private stopped = false;

  constructor(private readonly options: HintedHandoffOptions<V>) {
    this.ttlMs = bounded('hintTtlMs', options.hintTtlMs ?? limits.hintTtlMsDefault, limits.hintTtlMsMax);
    this.sweepMs = bounded('sweepIntervalMs', options.sweepIntervalMs ?? limits.hintSweepIntervalMsDefault, limits.hintTtlMsMax);
    this.sendTimeoutMs = bounded('sendTimeoutMs', options.sendTimeoutMs ?? limits.hintSendTimeoutMsDefault, limits.requestTimeoutMsMax);
    this.countMax = bounded('batchCountMax', options.batchCountMax ?? limits.hintBatchCountMax, limits.hintBatchCountMax);
    this.bytesMax = bounded('batchBytesMax', options.batchBytesMax ?? limits.hintBatchBytesMax, limits.hintBatchBytesMax);
    this.sendsMax = bounded('sendsInFlightMax', options.sendsInFlightMax ?? limits.hintSendsInFlightDefault, limits.hintSendsInFlightMax);
    this.targetsMax = bounded('replayTargetsMax', options.replayTargetsMax ?? limits.hintReplayTargetsMax, limits.hintReplayTargetsMax);
    this.sizeOf = options.sizeOf ?? estimateBytes;
  }

  /** Starts the periodic sweep (the first one after one interval). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the sweep; replays in progress finish their current batch and stop. */
  stop(): void {
    this.running = false;
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
  }

  /** Gossip says `node` is up: replay its hints now (no-op when it has none or is already replaying). */
  onUp(node: string): Promise<void> {
    return this.replay(node);
  }

  /** One sweep: replay to every target not down, expire the hints of the others. Resolves when all are done. */
  async sweep(): Promise<void> {
    const targets = await this.options.store.targets();
    await Promise.all(targets.map((t) => this.replay(t)));
  }

  /** Replays (or, when the target is down, only expires) the hints of `target`; joins a replay already running. */
  replay(target: string): Promise<void> {
    const running = this.active.get(target);
    if (running !== undefined) return running;
    const done = this.whenSlotFree(target).then(() => this.runReplay(target));
    const tracked = done.finally(() => {
      this.active.delete(target);
      const at = this.waiting.indexOf(target);
      if (at >= 0) this.waiting.splice(at, 1);
    });
    this.active.set(target, tracked);
    return tracked;
  }

  /** Hints pending in the store (all targets). */
  pending(): Promise<number> {
    return this.options.store.count();
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimer(this.sweepMs, () => {
      if (!this.running) return;
      this.sweep().then(
        () => this.running && this.schedule(),
        () => this.running && this.schedule(),
      );
    });
  }

  /** Waits until fewer than `targetsMax` replays are ahead of `target`. */
  private async whenSlotFree(target: string): Promise<void> {
    this.waiting.push(target);
    for (;;) {
      const ahead = this.waiting.indexOf(target);
      if (ahead < this.targetsMax) return;
      const blocker = this.active.get(this.waiting[0] as string);
      await (blocker ?? Promise.resolve()).catch(() => undefined);
    }
  }

  private async runReplay(target: string): Promise<void> {
    this.stats.replays++;
    let after: Key | undefined;
    for (let batch = 0; batch < limits.hintBatchesPerReplayMax; batch++) {
      const listed = await this.options.store.list(target, this.countMax, after);
      if (listed.length === 0) return;
      const taken = this.takeBatch(listed);
      after = (taken[taken.length - 1] as StoredHint<V>).key;
      this.stats.batches++;
      const ok = await this.replayBatch(target, taken);
      if (!ok || (taken.length === listed.length && listed.length < this.countMax)) return;
    }
  }

  /** The longest prefix of `listed` within the byte bound (at least one hint). */
  private takeBatch(listed: readonly StoredHint<V>[]): StoredHint<V>[] {
    const taken: StoredHint<V>[] = [];
    let bytes = 0;
    for (const hint of listed) {
      bytes += this.sizeOf(hint.set);
      if (taken.length > 0 && bytes > this.bytesMax) break;
      taken.push(hint);
    }
    return taken;
  }

  /**
   * Expires old hints, sends the rest through the window. True to go on with
   * the next batch: every send was acked, or the target is down (then the pass
   * only expires, through the whole list). False when a send failed or the
   * handoff was stopped.
   */
  private async replayBatch(target: string, hints: readonly StoredHint<V>[]): Promise<boolean> {
    const now = this.options.clock.now();
    const live: StoredHint<V>[] = [];
    for (const hint of hints) {
      if (now - hint.storedAtMs >= this.ttlMs) {
        if (await this.options.store.delete(target, hint.key, hint.set)) this.stats.expired++;
      } else live.push(hint);
    }
    if (this.stopped) return false;
    if (live.length === 0 || this.options.down().has(target)) return true;
    return this.sendWindowed(target, live);
  }

  /**
   * Sends `hints` with up to `sendsMax` in flight, starting the next as each
   * one ends (a window, not waves: one slow send does not hold the others
   * back). After the first failed send none is started; resolves when the
   * sends in flight have ended: true when every hint was acked. Over a WAN the
   * window is the replay's rate: `sendsMax` hints per round trip.
   */
  private sendWindowed(target: string, hints: readonly StoredHint<V>[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let next = 0;
      let inFlight = 0;
      let failed = false;
      let error: unknown;
      const ended = (): void => {
        inFlight--;
        if (!failed && next < hints.length) return launch();
        if (inFlight > 0) return;
        if (error !== undefined) reject(error);
        else resolve(!failed);
      };
      const launch = (): void => {
        while (!failed && inFlight < this.sendsMax && next < hints.length) {
          const hint = hints[next++] as StoredHint<V>;
          inFlight++;
          this.send(target, hint).then(
            (acked) => {
              if (!acked) failed = true;
              ended();
            },
            (cause: unknown) => {
              failed = true;
              error ??= cause;
              ended();
            },
          );
        }
      };
      launch();
    });
  }

  private async send(target: string, hint: StoredHint<V>): Promise<boolean> {
    const acked = await this.applyWithDeadline(target, hint);
    if (!acked) {
      this.stats.sendFailures++;
      return false;
    }
    if (await this.options.store.delete(target, hint.key, hint.set)) this.stats.replayed++;
    return true;
  }

  /** The send raced against its own timer, so a transport that never answers cannot stall the replay. */
  private applyWithDeadline(target: string, hint: StoredHint<V>): Promise<boolean> {
    const clock = this.options.clock;
    return new Promise((resolve) => {
      const timer = clock.setTimer(this.sendTimeoutMs, () => resolve(false));
      const deadlineMs = clock.now() + this.sendTimeoutMs;
      this.options.replicas.apply(target, hint.key, hint.set, { deadlineMs }).then(
        () => {
          clock.clearTimer(timer);
          resolve(true);
        },
        () => {
          clock.clearTimer(timer);
          resolve(false);
        },
      );
    });
  }
}

function bounded(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new QuorumError('invalid-argument', `${name} must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

/** A rough MessagePack-like size of plain data: enough to bound a batch's memory. */
export function estimateBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 9;
  if (typeof value === 'string') return value.length + 5;
  if (value instanceof Uint8Array) return value.byteLength + 5;
  if (depth >= 16) return 16;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + estimateBytes(item, depth + 1), 5);
  if (typeof value === 'object') {
    let sum = 5;
    for (const [k, v] of Object.entries(value)) sum += k.length + 1 + estimateBytes(v, depth + 1);
    return sum;
  }
  return 16;
}
