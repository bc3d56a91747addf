/**
 * One coordinated read: fan out to every target, answer after R replies,
 * merge with DVV `sync`, and repair stale primaries in the background.
 *
 * Concurrency model: single-threaded, driven by the replicas' promises and one
 * deadline timer. Replies that arrive after the answer (and before the
 * deadline) are merged too and may trigger more repairs.
 *
 * Invariants:
 *   1. The result is settled exactly once: `ok` as soon as the replies
 *      satisfy the level (R replies; per DC for `local-*`/`each-quorum`,
 *      level.ts), `quorum-not-met` as soon as replies + calls in flight
 *      cannot, `indeterminate` at the deadline.
 *   2. The answer's set is the `sync` of every reply received so far; a missing
 *      key is the empty set.
 *   3. A primary is sent a repair only when its reply's context differs from the
 *      merged context (equal contexts mean equal sets, vclock invariant 4), and
 *      never twice with the same merged context. Fallbacks (which answer with
 *      the hint they hold) and replicas that did not answer are not repaired.
 *   4. With `readRepair: 'local'` (the default) only primaries in the
 *      coordinator's DC are repaired; other DCs converge by hints and
 *      anti-entropy. `'global'` repairs stale primaries of every DC.
 */
import { context, empty, equals, sync, values, type DvvSet, type VClock } from '@ringkv/vclock';
import { DcTally, type LevelPredicate } from './level.js';
import type { ResolvedRead } from './options.js';
import type { Plan } from './plan.js';
import type { Clock, Key, ReplicaClient } from './ports.js';
import type { ReadRepairer } from './read-repair.js';
import { type CallRecord, type DistributiveOmit, errorMessage, planRecords, snapshotReplicas, targetTally, type Receipt } from './receipt.js';
import type { ReadResult } from './results.js';
import type { CoordinatorStats } from './stats.js';

/** What a read needs from its coordinator. */
export interface ReadDeps<V> {
  readonly replicas: ReplicaClient<V>;
  readonly repairer: ReadRepairer<V>;
  readonly clock: Clock;
  readonly stats: CoordinatorStats;
  /** Which stale primaries a read repairs: those of `localDc` only, or every DC's (invariant 4). */
  readonly readRepair: 'local' | 'global';
  /** The coordinator's DC ('' when DCs are not configured). */
  readonly localDc: string;
}

/** The request itself. */
export interface ReadRequest {
  readonly key: Key;
  readonly options: ResolvedRead;
  /** The options' R resolved against the plan (level.ts). */
  readonly level: LevelPredicate;
  readonly plan: Plan;
}

/** Runs one read; see the module invariants. */
export function runRead<V>(deps: ReadDeps<V>, request: ReadRequest): Promise<ReadResult<V>> {
  return new Promise((resolve) => new ReadRun(deps, request, resolve).start());
}

class ReadRun<V> {
  private readonly records: CallRecord[];
  private readonly startedMs: number;
  private readonly replies = new Map<CallRecord, DvvSet<V>>();
  /** The context each primary is known to hold (its reply, or the repair sent to it). */
  private readonly held = new Map<CallRecord, VClock>();
  private merged: DvvSet<V> = empty<V>();
  private readonly replied = new DcTally();
  private readonly inFlight = new DcTally();
  private answered = false;
  private timer: unknown;

  constructor(
    private readonly deps: ReadDeps<V>,
    private readonly req: ReadRequest,
    private readonly resolve: (r: ReadResult<V>) => void,
  ) {
    this.startedMs = deps.clock.now();
    this.records = planRecords(req.plan, this.startedMs);
  }

  start(): void {
    if (this.req.level.impossible(this.replied, targetTally(this.req.plan))) {
      this.answer({ status: 'quorum-not-met', replies: 0, required: this.req.level.required, reason: 'too-few-replicas' }, []);
      return;
    }
    this.timer = this.deps.clock.setTimer(this.req.options.timeoutMs, () => this.onDeadline());
    const deadlineMs = this.startedMs + this.req.options.timeoutMs;
    for (const rec of this.records.slice(0, this.req.plan.targets.length)) this.send(rec, deadlineMs);
  }

  private send(rec: CallRecord, deadlineMs: number): void {
    rec.outcome = 'pending';
    this.inFlight.add(rec.dc);
    const options = rec.hintFor === undefined ? { deadlineMs } : { deadlineMs, hintFor: rec.hintFor };
    this.deps.replicas.fetch(rec.node, this.req.key, options).then(
      (set) => this.onReply(rec, set ?? empty<V>()),
      (error: unknown) => this.onError(rec, error),
    );
  }

  private onReply(rec: CallRecord, set: DvvSet<V>): void {
    if (!this.settle(rec, 'ack')) return;
    this.replies.set(rec, set);
    this.replied.add(rec.dc);
    const repairable = this.deps.readRepair === 'global' || rec.dc === this.deps.localDc;
    if (rec.role === 'primary' && repairable) this.held.set(rec, context(set));
    this.merged = sync(this.merged, set);
    if (this.answered) this.repairStale();
    else this.check();
    this.closeIfDone();
  }

  private onError(rec: CallRecord, error: unknown): void {
    if (!this.settle(rec, 'error')) return;
    rec.error = errorMessage(error);
    this.check();
    this.closeIfDone();
  }

  /** Records an answer; false when the call had already timed out. */
  private settle(rec: CallRecord, outcome: 'ack' | 'error'): boolean {
    if (rec.outcome !== 'pending') return false;
    this.inFlight.add(rec.dc, -1);
    rec.outcome = outcome;
    rec.latencyMs = this.deps.clock.now() - rec.startedMs;
    return true;
  }

  private check(): void {
    if (this.answered) return;
    if (this.req.level.satisfied(this.replied)) this.answerOk();
    else if (this.req.level.impossible(this.replied, this.inFlight)) {
      this.answer({ status: 'quorum-not-met', replies: this.replies.size, required: this.req.level.required, reason: 'replicas-failed' }, []);
    }
  }

  private answerOk(): void {
    const repaired = this.repairStale();
    const siblings = values(this.merged);
    this.answer(
      {
        status: 'ok',
        replies: this.replies.size,
        required: this.req.level.required,
        found: siblings.some((s) => !s.tombstone),
        siblings,
        context: context(this.merged),
        set: this.merged,
      },
      repaired,
    );
  }

  /** Sends the merged set to every primary known to hold less; returns their ids. */
  private repairStale(): string[] {
    const target = context(this.merged);
    const repaired: string[] = [];
    for (const [rec, held] of this.held) {
      if (equals(held, target)) continue;
      this.held.set(rec, target);
      repaired.push(rec.node);
      this.deps.repairer.schedule(rec.node, this.req.key, this.merged);
    }
    return repaired;
  }

  private onDeadline(): void {
    for (const rec of this.records) {
      if (rec.outcome !== 'pending') continue;
      rec.outcome = 'timeout';
      this.inFlight.add(rec.dc, -1);
    }
    if (!this.answered) this.answer({ status: 'indeterminate', replies: this.replies.size, required: this.req.level.required }, []);
  }

  private closeIfDone(): void {
    if (this.inFlight.total === 0 && this.answered) this.deps.clock.clearTimer(this.timer);
  }

  private answer(result: DistributiveOmit<ReadResult<V>, 'receipt'>, repaired: readonly string[]): void {
    this.answered = true;
    const stats = this.deps.stats;
    if (result.status === 'ok') stats.ok++;
    else if (result.status === 'quorum-not-met') stats.quorumNotMet++;
    else stats.indeterminate++;
    this.resolve({ ...result, receipt: this.receipt(repaired) } as ReadResult<V>);
    if (this.inFlight.total === 0) this.deps.clock.clearTimer(this.timer);
  }

  private receipt(repaired: readonly string[]): Receipt {
    const o = this.req.options;
    return {
      op: 'get',
      n: o.n,
      r: this.req.level.required,
      ...(typeof o.r === 'string' ? { level: o.r } : {}),
      mode: o.mode,
      replicas: snapshotReplicas(this.records),
      siblingsReconciled: reconciledCount([...this.replies.values()], this.merged),
      readRepair: { triggered: repaired.length > 0, targets: repaired.slice() },
      localHints: [],
      elapsedMs: this.deps.clock.now() - this.startedMs,
    };
  }
}


/** Distinct versions (by dot) in the replies that the merged set no longer holds. */
function reconciledCount<V>(replies: readonly DvvSet<V>[], merged: DvvSet<V>): number {
  const kept = new Set(values(merged).map((s) => `${s.dot.counter}@${s.dot.actor}`));
  const seen = new Set<string>();
  for (const reply of replies) for (const s of values(reply)) seen.add(`${s.dot.counter}@${s.dot.actor}`);
  let dropped = 0;
  for (const dot of seen) if (!kept.has(dot)) dropped++;
  return dropped;
}
