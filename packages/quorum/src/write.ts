/**
 * One coordinated write (put or delete), from the local update to the answer
 * and the hints left behind.
 *
 * Concurrency model: single-threaded, driven by the local update's promise,
 * the replicas' promises and one deadline timer. Replies after the answer are
 * still recorded (for hints) until every call settled or the deadline passed.
 *
 * Invariants:
 *   1. The result is settled exactly once: `ok` as soon as the acks satisfy
 *      the level (W acks; per DC for `local-*`/`each-quorum`, level.ts),
 *      `quorum-not-met` as soon as acks + calls in flight cannot,
 *      `indeterminate` at the deadline, or a rejection when the local update
 *      itself failed (then nothing was written). Whatever the level, the set
 *      is sent to every target of every DC.
 *   2. The coordinator's own write is the first ack and happens before any
 *      replica is sent the set, so every copy carries the coordinator's dot.
 *   3. Every target whose call failed or timed out, and every down primary
 *      without a stand-in, gets a hint stored by the coordinator; hints never
 *      count toward W.
 *   4. Nothing is sent when the targets alone cannot satisfy the level (fewer
 *      than W, or too few in a DC the level needs: strict mode's refusal).
 */
import { context as contextOf, get as counterOf, type DvvSet, type Payload, type VClock } from '@ringkv/vclock';
import { DcTally, type LevelPredicate } from './level.js';
import type { ResolvedWrite } from './options.js';
import type { Plan } from './plan.js';
import type { Clock, HintStore, Key, LocalReplica, ReplicaClient } from './ports.js';
import { type CallRecord, type DistributiveOmit, errorMessage, planRecords, snapshotReplicas, targetTally, type Receipt } from './receipt.js';
import type { WriteResult } from './results.js';
import type { CoordinatorStats } from './stats.js';

/** What a write needs from its coordinator. */
export interface WriteDeps<V> {
  readonly nodeId: string;
  readonly local: LocalReplica<V>;
  readonly replicas: ReplicaClient<V>;
  readonly hints: HintStore<V>;
  readonly clock: Clock;
  readonly stats: CoordinatorStats;
}

/** The request itself. */
export interface WriteRequest<V> {
  readonly op: 'put' | 'delete';
  readonly key: Key;
  readonly context: VClock;
  readonly payload: Payload<V>;
  readonly options: ResolvedWrite;
  /** The options' W resolved against the plan (level.ts). */
  readonly level: LevelPredicate;
  readonly plan: Plan;
  /** Whether the result carries a receipt (coordinator `WriteCall.receipt`). */
  readonly receipt: boolean;
}

/** Runs one write; see the module invariants. */
export function runWrite<V>(deps: WriteDeps<V>, request: WriteRequest<V>): Promise<WriteResult<V>> {
  return new Promise((resolve, reject) => new WriteRun(deps, request, resolve, reject).start());
}

class WriteRun<V> {
  private readonly records: CallRecord[];
  private readonly startedMs: number;
  private readonly acks = new DcTally();
  private readonly inFlight = new DcTally();
  private answered = false;
  private closed = false;
  private set: DvvSet<V> | undefined;
  private timer: unknown;
  private readonly localHints: string[] = [];

  constructor(
    private readonly deps: WriteDeps<V>,
    private readonly req: WriteRequest<V>,
    private readonly resolve: (r: WriteResult<V>) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.startedMs = deps.clock.now();
    this.records = planRecords(req.plan, this.startedMs);
  }

  start(): void {
    if (this.req.level.impossible(this.acks, targetTally(this.req.plan))) {
      this.answer({ status: 'quorum-not-met', acks: 0, required: this.req.level.required, reason: 'too-few-replicas', maybeWritten: false });
      this.closed = true;
      return;
    }
    this.timer = this.deps.clock.setTimer(this.req.options.timeoutMs, () => this.onDeadline());
    const self = this.selfRecord();
    self.outcome = 'pending';
    this.deps.local.update(this.req.key, this.req.context, this.req.payload).then(
      (set) => this.onLocal(self, set),
      (error: unknown) => this.onLocalError(self, error),
    );
  }

  private selfRecord(): CallRecord {
    const self = this.records.find((r) => r.node === this.deps.nodeId);
    // The coordinator checked it is a primary and is never down to itself.
    if (self === undefined) throw new Error('quorum: assertion failed: the coordinator is not a target');
    return self;
  }

  private onLocal(self: CallRecord, set: DvvSet<V>): void {
    this.set = set;
    if (this.closed) {
      // The deadline passed during the local write: hand the set to everyone else by hints.
      for (const r of this.records) if (r !== self) this.storeHint(r.hintFor ?? r.node, set);
      return;
    }
    this.settle(self, 'ack', undefined);
    this.acks.add(self.dc);
    for (const node of this.req.plan.unplaced) {
      this.localHints.push(node);
      this.storeHint(node, set);
    }
    for (const r of this.records) if (r !== self && r.outcome === 'not-sent' && !this.req.plan.unplaced.includes(r.node)) this.send(r, set);
    this.check();
    this.closeIfDone();
  }

  private onLocalError(self: CallRecord, error: unknown): void {
    if (this.closed) return;
    this.settle(self, 'error', error);
    this.deps.clock.clearTimer(this.timer);
    this.closed = true;
    if (!this.answered) {
      this.answered = true;
      this.reject(error);
    }
  }

  private send(r: CallRecord, set: DvvSet<V>): void {
    r.outcome = 'pending';
    r.startedMs = this.deps.clock.now();
    this.inFlight.add(r.dc);
    const deadlineMs = this.startedMs + this.req.options.timeoutMs;
    const options = r.hintFor === undefined ? { deadlineMs } : { deadlineMs, hintFor: r.hintFor, hintStampMs: this.startedMs };
    this.deps.replicas.apply(r.node, this.req.key, set, options).then(
      () => this.onReply(r, undefined, true),
      (error: unknown) => this.onReply(r, error, false),
    );
  }

  private onReply(r: CallRecord, error: unknown, ok: boolean): void {
    if (r.outcome !== 'pending') return; // timed out already
    this.inFlight.add(r.dc, -1);
    this.settle(r, ok ? 'ack' : 'error', error);
    if (ok) this.acks.add(r.dc);
    else if (this.set !== undefined) this.storeHint(r.hintFor ?? r.node, this.set);
    this.check();
    this.closeIfDone();
  }

  private check(): void {
    if (this.answered) return;
    if (this.req.level.satisfied(this.acks)) this.answerWritten('ok');
    else if (this.req.level.impossible(this.acks, this.inFlight)) this.answerWritten('quorum-not-met');
  }

  private answerWritten(status: 'ok' | 'quorum-not-met'): void {
    const set = this.set as DvvSet<V>;
    const context = contextOf(set);
    const dot = { actor: this.deps.nodeId, counter: counterOf(context, this.deps.nodeId) };
    const required = this.req.level.required;
    const acks = this.acks.total;
    if (status === 'ok') this.answer({ status, acks, required, dot, context, set });
    else this.answer({ status, acks, required, reason: 'replicas-failed', maybeWritten: true, dot, context });
  }

  private onDeadline(): void {
    for (const r of this.records) {
      if (r.outcome !== 'pending') continue;
      r.outcome = 'timeout';
      if (r.node !== this.deps.nodeId && this.set !== undefined) this.storeHint(r.hintFor ?? r.node, this.set);
    }
    if (!this.answered) {
      const required = this.req.level.required;
      const acks = this.acks.total;
      if (this.set === undefined) this.answer({ status: 'indeterminate', acks, required });
      else {
        const context = contextOf(this.set);
        this.answer({ status: 'indeterminate', acks, required, context, dot: { actor: this.deps.nodeId, counter: counterOf(context, this.deps.nodeId) } });
      }
    }
    this.closed = true;
  }

  private closeIfDone(): void {
    if (this.inFlight.total > 0 || this.closed) return;
    this.deps.clock.clearTimer(this.timer);
    this.closed = true;
  }

  private settle(r: CallRecord, outcome: 'ack' | 'error', error: unknown): void {
    r.outcome = outcome;
    r.latencyMs = this.deps.clock.now() - r.startedMs;
    if (outcome === 'error') r.error = errorMessage(error);
  }

  private storeHint(target: string, set: DvvSet<V>): void {
    const stats = this.deps.stats;
    stats.hintsStored++;
    // Stamped with the write's start, not now (a deadline hint is stored up to timeoutMs later): its TTL must
    // end within hintTtlMs of any write that saw this one, or a delete's tombstone (grace ≥ TTL) could be
    // collected before the hint expires, and the replay would resurrect the value.
    this.deps.hints.put(target, this.req.key, set, this.startedMs).catch(() => {
      stats.hintsStored--;
      stats.hintStoreFailures++;
    });
  }

  private answer(result: DistributiveOmit<WriteResult<V>, 'receipt'>): void {
    this.answered = true;
    const stats = this.deps.stats;
    if (result.status === 'ok') stats.ok++;
    else if (result.status === 'quorum-not-met') stats.quorumNotMet++;
    else stats.indeterminate++;
    this.resolve((this.req.receipt ? { ...result, receipt: this.receipt() } : result) as WriteResult<V>);
  }

  private receipt(): Receipt {
    const o = this.req.options;
    return {
      op: this.req.op,
      n: o.n,
      w: this.req.level.required,
      ...(typeof o.w === 'string' ? { level: o.w } : {}),
      mode: o.mode,
      replicas: snapshotReplicas(this.records),
      siblingsReconciled: 0,
      readRepair: { triggered: false, targets: [] },
      localHints: this.localHints.slice(),
      elapsedMs: this.deps.clock.now() - this.startedMs,
    };
  }
}
