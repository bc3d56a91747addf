/**
 * Background read repair with bounded concurrency.
 *
 * Concurrency model: single-threaded; at most `inFlightMax` repairs are sent
 * at once, at most `queueMax` wait; beyond that a repair is dropped and
 * counted (anti-entropy repairs what read repair drops).
 *
 * Invariants:
 *   1. inFlight ≤ inFlightMax and queue length ≤ queueMax at all times.
 *   2. Every scheduled repair ends in exactly one of sent+acked, failed or dropped.
 */
import type { DvvSet } from '@ringkv/vclock';
import type { Clock, Key, ReplicaClient } from './ports.js';

/** Read repair counters. */
export interface ReadRepairStats {
  /** Repairs acknowledged by the replica. */
  repaired: number;
  /** Repairs the replica refused, or that timed out. */
  failed: number;
  /** Repairs dropped because the queue was full. */
  dropped: number;
}

interface Job<V> {
  readonly node: string;
  readonly key: Key;
  readonly set: DvvSet<V>;
}

/** Sends merged sets to stale replicas, `inFlightMax` at a time. Internal to the coordinator. */
export class ReadRepairer<V> {
  readonly stats: ReadRepairStats = { repaired: 0, failed: 0, dropped: 0 };
  private inFlight = 0;
  private readonly queue: Job<V>[] = [];

  constructor(
    private readonly replicas: ReplicaClient<V>,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly inFlightMax: number,
    private readonly queueMax: number,
  ) {}

  /** Queues a repair; returns false when it was dropped (queue full). */
  schedule(node: string, key: Key, set: DvvSet<V>): boolean {
    if (this.inFlight < this.inFlightMax) {
      this.send({ node, key, set });
      return true;
    }
    if (this.queue.length >= this.queueMax) {
      this.stats.dropped++;
      return false;
    }
    this.queue.push({ node, key, set });
    return true;
  }

  /** Repairs sent and not yet answered, plus those waiting. */
  pending(): number {
    return this.inFlight + this.queue.length;
  }

  private send(job: Job<V>): void {
    this.inFlight++;
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      this.clock.clearTimer(timer);
      this.inFlight--;
      if (ok) this.stats.repaired++;
      else this.stats.failed++;
      const next = this.queue.shift();
      if (next !== undefined) this.send(next);
    };
    const timer = this.clock.setTimer(this.timeoutMs, () => finish(false));
    const deadlineMs = this.clock.now() + this.timeoutMs;
    this.replicas.apply(job.node, job.key, job.set, { deadlineMs }).then(
      () => finish(true),
      () => finish(false),
    );
  }
}
