/**
 * The coordinator: Dynamo-style coordination of one node's client requests.
 *
 * Concurrency model: single-threaded (one event loop); any number of requests
 * run at once, each with its own deadline timer. The coordinator holds no
 * per-key state: the per-key lock of a write lives behind `local.update`.
 *
 * Invariants:
 *   1. Every request is validated (options.ts) before any replica is contacted,
 *      and settles by its deadline (a port that never answers cannot hang it).
 *   2. Each request uses the ring and the down set as they were when it started.
 *   3. A write is coordinated only by a node of the key's preference list (N
 *      nodes), so its dot names a node that stores the key.
 *   4. A request's R or W (a count or a named level) is resolved against the
 *      plan's replicas per DC and this node's DC (level.ts) before anything is
 *      sent; `local-*` in a DC that holds no replica is `no-local-replica`.
 */
import type { ReplicationMap } from '@ringkv/hashring';
import { tombstone, live, type Payload, type VClock } from '@ringkv/vclock';
import { QuorumError } from './errors.js';
import * as limits from './limits.js';
import { levelPredicate, type Level, type LevelPredicate } from './level.js';
import { checkDefaults, resolveRead, resolveWrite, type QuorumDefaults, type ReadOptions, type WriteOptions } from './options.js';
import { planRequest, type Plan } from './plan.js';
import type { Clock, DownProvider, HintStore, Key, LocalReplica, ReplicaClient, RingProvider } from './ports.js';
import { runRead } from './read.js';
import { ReadRepairer } from './read-repair.js';
import type { ReadResult, WriteResult } from './results.js';
import { type CoordinatorStats, zeroStats } from './stats.js';
import { runWrite } from './write.js';

/** What a coordinator is built from. */
export interface CoordinatorOptions<V> {
  /** This node's id: its ring member id and its vclock actor. */
  readonly nodeId: string;
  readonly ring: RingProvider;
  /** Who is down now (gossip); the coordinator never counts itself as down. */
  readonly down: DownProvider;
  readonly local: LocalReplica<V>;
  readonly replicas: ReplicaClient<V>;
  /** Where the coordinator keeps the hints it holds itself. */
  readonly hints: HintStore<V>;
  readonly clock: Clock;
  /** Cluster defaults (N=3, R=2, W=2, sloppy, 5 s). */
  readonly defaults?: QuorumDefaults;
  /**
   * The cluster's replication map (`{ dc1: 3, dc2: 2 }`), when it has one:
   * every request's replicas are then placed by it (hashring), and a
   * request's N only bounds its R and W. Without it, N replicas go anywhere.
   */
  readonly replicationMap?: ReplicationMap;
  /**
   * This node's data center, which `local-one`/`local-quorum` wait in and
   * local read repair stays in. Default: its ring member's `dc` ('' when
   * unlabelled). Every other node's DC is its ring member's `dc`.
   */
  readonly dc?: string;
  /** Read repair of the primaries in this node's DC only (`'local'`, the default) or in every DC (`'global'`). */
  readonly readRepair?: 'local' | 'global';
  /** Read repairs in flight / queued; defaults from limits.ts. */
  readonly readRepairsInFlightMax?: number;
  readonly readRepairQueueMax?: number;
}

/** A write's context and per-request options. */
export interface WriteCall extends WriteOptions {
  /** The causal context the client read (vclock `decodeContext` of its bytes); none = the empty clock. */
  readonly context?: VClock;
  /**
   * Puts only: the value expires `ttlMs` after this coordinator accepts it,
   * by this coordinator's clock (the deadline `clock.now() + ttlMs` is
   * stored with the version and travels with it). A positive safe integer.
   */
  readonly ttlMs?: number;
  /**
   * False: the result carries no `receipt`. Default true. Building one (a
   * snapshot of every replica's call, the hints, the options) was 3 % of a
   * node's CPU under puts, for a receipt no client had asked for.
   */
  readonly receipt?: boolean;
}

/**
 * Coordinates puts, deletes and gets for one node.
 *
 * When to use: one per node; node-server calls it for every client request it
 * coordinates (after routing the request to a node of the key's preference list).
 * Details: results are discriminated unions on `status` (see results.ts), each
 * with a receipt (a write's only unless its call says `receipt: false`). Hints the coordinator stores go to `hints`; replaying them is
 * `HintedHandoff`'s job.
 * Gotchas: `put`/`delete` throw QuorumError('not-a-replica') when this node is
 * not in the key's preference list, 'invalid-argument' for bad N/R/W/mode/timeout,
 * and pass through the error of a failed `local.update` (then nothing was written).
 */
export class Coordinator<V> {
  private readonly defaults: Required<QuorumDefaults>;
  private readonly counters: CoordinatorStats = zeroStats();
  private readonly repairer: ReadRepairer<V>;
  private stopped = false;

  constructor(private readonly options: CoordinatorOptions<V>) {
    this.defaults = checkDefaults(options.defaults ?? {});
    if (options.readRepair !== undefined && options.readRepair !== 'local' && options.readRepair !== 'global') {
      throw new QuorumError('invalid-argument', `readRepair must be 'local' or 'global', got ${String(options.readRepair)}`);
    }
    this.repairer = new ReadRepairer(
      options.replicas,
      options.clock,
      this.defaults.timeoutMs,
      positive('readRepairsInFlightMax', options.readRepairsInFlightMax ?? limits.readRepairsInFlightMax),
      positive('readRepairQueueMax', options.readRepairQueueMax ?? limits.readRepairQueueMax),
    );
  }

  /** Writes `value` for `key`, superseding what `call.context` saw. */
  put(key: Key, value: V, call: WriteCall = {}): Promise<WriteResult<V>> {
    return rejectThrown(() => this.write('put', key, live(value, deadlineOf(this.options.clock.now(), call.ttlMs)), call));
  }

  /** Deletes `key` (a tombstone version), superseding what `call.context` saw. */
  delete(key: Key, call: WriteCall = {}): Promise<WriteResult<V>> {
    return rejectThrown(() => this.write('delete', key, tombstone, call));
  }

  /** Reads `key` from R replicas (asking all targets) and returns the merged siblings. */
  get(key: Key, options: ReadOptions = {}): Promise<ReadResult<V>> {
    return rejectThrown(() => this.read(key, options));
  }

  private read(key: Key, options: ReadOptions): Promise<ReadResult<V>> {
    this.checkRunning();
    const resolved = resolveRead(this.defaults, options);
    const ring = this.options.ring();
    const plan = planRequest(ring, key, this.options.replicationMap ?? resolved.n, this.downSet(), resolved.mode);
    const localDc = this.localDc(ring);
    const level = this.levelOf(resolved.r, resolved.n, plan, localDc);
    this.counters.reads++;
    const readRepair = this.options.readRepair ?? 'local';
    return runRead({ replicas: this.options.replicas, repairer: this.repairer, clock: this.options.clock, stats: this.counters, readRepair, localDc }, { key, options: resolved, level, plan });
  }

  private localDc(ring: ReturnType<RingProvider>): string {
    return this.options.dc ?? ring.node(this.options.nodeId)?.dc ?? '';
  }

  private levelOf(level: Level, n: number, plan: Plan, localDc: string): LevelPredicate {
    return levelPredicate(level, { n, replicasPerDc: plan.replicasPerDc, localDc });
  }

  /** Counters since construction (a copy). */
  stats(): CoordinatorStats {
    const r = this.repairer.stats;
    return { ...this.counters, readRepairs: r.repaired, readRepairsFailed: r.failed, readRepairsDropped: r.dropped };
  }

  /** Read repairs in flight or queued. */
  pendingReadRepairs(): number {
    return this.repairer.pending();
  }

  /** Refuses new requests (QuorumError 'stopped'); requests already running finish by their deadline. */
  stop(): void {
    this.stopped = true;
  }

  private write(op: 'put' | 'delete', key: Key, payload: Payload<V>, call: WriteCall): Promise<WriteResult<V>> {
    this.checkRunning();
    const resolved = resolveWrite(this.defaults, call);
    const ring = this.options.ring();
    const plan = planRequest(ring, key, this.options.replicationMap ?? resolved.n, this.downSet(), resolved.mode);
    if (!plan.preference.includes(this.options.nodeId)) {
      throw new QuorumError('not-a-replica', `${this.options.nodeId} is not in the preference list of the key (n=${resolved.n}); forward the write to ${plan.preference[0] ?? 'a member'}`);
    }
    const level = this.levelOf(resolved.w, resolved.n, plan, this.localDc(ring));
    this.counters.writes++;
    const deps = { nodeId: this.options.nodeId, local: this.options.local, replicas: this.options.replicas, hints: this.options.hints, clock: this.options.clock, stats: this.counters };
    return runWrite(deps, { op, key, context: call.context ?? [], payload, options: resolved, level, plan, receipt: receiptWanted(call.receipt) });
  }

  private downSet(): ReadonlySet<string> {
    const down = this.options.down();
    if (!down.has(this.options.nodeId)) return down;
    const copy = new Set(down);
    copy.delete(this.options.nodeId);
    return copy;
  }

  private checkRunning(): void {
    if (this.stopped) throw new QuorumError('stopped', 'the coordinator was stopped');
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new QuorumError('invalid-argument', `${name} must be a positive integer, got ${value}`);
  return value;
}

/** The deadline of a put with `ttlMs` accepted at `nowMs`; QuorumError('invalid-argument') for a ttl that is not a positive safe integer. */
function deadlineOf(nowMs: number, ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  // A clock may read fractional ms (the simulation's does): the deadline is the next whole ms after now + ttl.
  const deadlineMs = Math.ceil(nowMs) + ttlMs;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || !Number.isSafeInteger(deadlineMs)) throw new QuorumError('invalid-argument', `ttlMs must be a positive integer, got ${ttlMs}`);
  return deadlineMs;
}

/** Errors thrown while starting a request become a rejected promise: callers handle one failure path. */
function rejectThrown<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

function receiptWanted(receipt: unknown): boolean {
  if (receipt === undefined) return true;
  if (typeof receipt !== 'boolean') throw new QuorumError('invalid-argument', `receipt must be a boolean, got ${typeof receipt}`);
  return receipt;
}
