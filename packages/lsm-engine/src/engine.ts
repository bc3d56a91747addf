/**
 * The engine: the write path (commit log → memtable), the read path
 * (memtables → tables), snapshots, and the background flush and compaction
 * that keep the tree in shape.
 *
 * Concurrency model: one JavaScript thread. Appends, memtable inserts and
 * lookups are synchronous; the awaits are fsyncs, stalls and background
 * work. Flushes run one at a time (oldest frozen memtable first), compactions
 * one at a time, and the two may interleave; manifest installs are serialized
 * by `manifestChain`. With the table worker (option `tableWorker`, the
 * real disk) the table building of flushes and compactions runs in a worker
 * thread (engine/table-worker.ts); everything that decides what is live
 * (file numbers, manifest installs, deletions) stays on this thread.
 *
 * Invariants:
 *   1. Sequence numbers are assigned in append order; a batch's ops get
 *      consecutive numbers and one log record, so it is atomic.
 *   2. A write is acknowledged only after it is visible, and a `sync` write
 *      only after an fsync covering it (publisher.ts, commit-log.ts).
 *   3. After an fsync failure or an I/O error (`fatal`), no write is
 *      acknowledged: every later write fails with `closed` carrying the cause.
 *      A full disk (`no-space`) is not fatal (space.ts): writes are refused
 *      with `no-space` while it lasts, reads go on, and a retry with backoff
 *      on the engine's clock resumes them once space is back.
 *   4. A table file is deleted only when neither the current version nor a
 *      pinned one (snapshot, iterator) names it.
 *   5. The frozen queue never exceeds `frozenMemtablesMax` through automatic
 *      rotation, and no rotation starts while L0 holds `l0StopWritesTrigger`
 *      tables; writers wait (a stall, bounded by `writeStallTimeoutMs`).
 *   6. While L0 holds `l0SlowdownWritesTrigger` tables (and background
 *      compaction is on), each write first waits `L0_SLOWDOWN_DELAY_MS` on
 *      the engine's clock, once; the write itself is unchanged.
 *   7. While a flush or compaction is pending, every
 *      `READS_PER_BACKGROUND_YIELD`th `get` resolves only after a turn of the
 *      event loop: a loop of awaited gets runs on microtasks alone and would
 *      otherwise starve background work (timers) for as long as it reads,
 *      leaving every read to probe the whole L0 backlog. The value is read
 *      before the yield, so the answer is the state at the call.
 */
import type { Clock } from './clock.js';
import { pickCompaction, runCompaction, type CompactionPlan } from './compaction/index.js';
import { LsmError } from './errors.js';
import { compareBytes, KIND_DELETE, KIND_PUT } from './format/internal.js';
import { installManifest, manifestFileName, type ManifestState, type SeqTime } from './manifest/manifest.js';
import { MemEntry, Memtable } from './memtable/memtable.js';
import { BlockCache, TableCache, type TableBuildOptions, type TableMeta } from './sstable/index.js';
import type { Vfs, VfsLock } from './vfs/vfs.js';
import type { BatchOp } from './wal/batch.js';
import { CommitLog } from './wal/commit-log.js';
import { addCheckpoint, dropMaxSeq } from './engine/checkpoints.js';
import { writeCheckpoint, type CheckpointInfo } from './engine/checkpoint.js';
import { LOCK_FILE, logFileName, syncMarkFileName, tableFileName } from './engine/files.js';
import { writeTable, yieldToEventLoop } from './engine/flush.js';
import { TableWorker } from './engine/table-worker.js';
import { resolveOptions, type Durability, type EngineOptions, type ResolvedOptions, type WriteOptions } from './engine/options.js';
import { Publisher } from './engine/publisher.js';
import { lookup, userEntries, viewIterator, type Bounds } from './engine/read-path.js';
import { recover, type RecoveredState } from './engine/recovery.js';
import { newCounters, shapeOf, type EngineStats, type RecoveryLoss } from './engine/stats.js';
import { checkBound, checkDurability, checkKey, checkValue, toBatchOps, type BatchOperation } from './engine/validate.js';
import { Version, withCompacted, withFlushed } from './engine/version.js';
import { isNoSpace, SpaceState, type SpaceBlock } from './engine/space.js';
import { SPACE_PROBE_FILE } from './engine/files.js';
import { L0_SLOWDOWN_DELAY_MS, READS_PER_BACKGROUND_YIELD, SNAPSHOTS_MAX, SPACE_PROBE_BYTES } from './limits.js';

const EMPTY = new Uint8Array(0);

/** One write's wait for room: a single deadline, and when it started stalling (counted once per write). */
interface StallState {
  deadlineMs: number;
  startMs: number | undefined;
}

/**
 * A consistent read view at one sequence number. Use it to run several reads
 * or scans that must agree with each other while writes continue.
 * Gotcha: it pins memtables and table files (memory and disk) until
 * `release()`; release it promptly.
 */
export interface Snapshot {
  readonly seq: number;
  release(): void;
}

/** Options of `Engine.iterate`. Bounds are byte-wise; `gte`/`gt` and `lt`/`lte` are exclusive pairs. */
export interface IterateOptions extends Bounds {
  /** Only forward scans are supported; `true` is rejected with `invalid-argument`. */
  reverse?: false;
  /** Read at this snapshot instead of the state when iteration starts. */
  snapshot?: Snapshot;
}

/** What `iterate` returns: usable with `for…of` (synchronous) and `for await…of`. */
export interface EntryIterable extends Iterable<[Uint8Array, Uint8Array]>, AsyncIterable<[Uint8Array, Uint8Array]> {}

class EngineSnapshot implements Snapshot {
  private released = false;
  constructor(
    readonly seq: number,
    readonly version: Version,
    readonly memtables: readonly Memtable[],
    private readonly onRelease: (s: EngineSnapshot) => void,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
  }
}

/**
 * An open engine over one directory (see `openEngine`). Reads never wait for
 * background work; writes wait only for their own durability and, when the
 * memtables are full, for a flush (a stall).
 */
export class Engine {
  private mem: Memtable;
  /** Frozen memtables, oldest first. */
  private frozen: Memtable[] = [];
  private memList: readonly Memtable[] | undefined;
  private version: Version;
  private readonly pinned = new Set<Version>();
  private readonly obsoleteTables = new Set<number>();
  private readonly snapshots = new Set<EngineSnapshot>();
  private lastSeq: number;
  private nextFileNumber: number;
  private manifestNumber: number;
  private logNumber: number;
  private readonly checkpoints: SeqTime[];
  private readonly publisher: Publisher;
  private readonly tableCache: TableCache;
  private readonly blockCache: BlockCache;
  private readonly buildOptions: TableBuildOptions;
  private readonly counters = newCounters();
  private fatal: unknown;
  private closing = false;
  private closed = false;
  private rotating: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  /** Awaited `get`s since the last one that yielded to the event loop (invariant 7). */
  private readsSinceYield = 0;
  private compacting: Promise<void> | undefined;
  private manifestChain: Promise<void> = Promise.resolve();
  private stallWaiters: (() => void)[] = [];
  private cancelIntervalSync: (() => void) | undefined;
  private readonly recoveryLoss: RecoveryLoss;
  /** A full disk: what it blocks and the retry backoff (space.ts). */
  private readonly space = new SpaceState();
  private cancelSpaceRetry: (() => void) | undefined;
  private spaceRetrying: Promise<void> | undefined;
  /** Builds flush and compaction tables off the event loop (option `tableWorker`); undefined: built here. */
  private readonly tableWorker: TableWorker | undefined;
  /** Memtables that hold exactly their own log segment's records: the worker may flush them from it. */
  private readonly ownSegment = new WeakSet<Memtable>();

  /** @internal Use `openEngine`. */
  constructor(
    private readonly dir: string,
    private readonly opts: ResolvedOptions,
    private readonly lock: VfsLock,
    private log: CommitLog,
    recovered: RecoveredState,
    buildOptions: TableBuildOptions,
  ) {
    const s = recovered.state;
    this.version = new Version(s.levels);
    this.lastSeq = s.lastSeq;
    this.nextFileNumber = s.nextFileNumber;
    this.manifestNumber = recovered.manifestNumber;
    this.logNumber = s.logNumber;
    this.checkpoints = s.checkpoints;
    this.publisher = new Publisher(s.lastSeq);
    this.mem = new Memtable(log.number);
    this.ownSegment.add(this.mem);
    this.blockCache = new BlockCache(opts.blockCacheBytes);
    this.tableCache = new TableCache(opts.vfs, (n) => this.pathOf(n), opts.openTablesMax, this.blockCache);
    this.buildOptions = buildOptions;
    this.tableWorker = opts.tableWorker ? new TableWorker() : undefined;
    this.counters.replayedRecords = recovered.replayedRecords;
    this.counters.droppedTailBytes = recovered.droppedTailBytes;
    this.recoveryLoss = recovered.corruption;
    this.counters.flushBytes = recovered.bytesWritten;
    if (recovered.unflushed) {
      // A full disk at open (recovery.ts): the replayed data waits, frozen, for a retry to flush it.
      this.frozen.push(recovered.unflushed.memtable);
      this.blockSpace('writes', recovered.unflushed.error);
    }
    this.maybeCompact();
  }

  private get vfs(): Vfs {
    return this.opts.vfs;
  }
  private get clock(): Clock {
    return this.opts.clock;
  }
  private pathOf(fileNumber: number): string {
    return `${this.dir}/${tableFileName(fileNumber)}`;
  }

  // ---------------------------------------------------------------- reads

  /**
   * The value of `key`, or `undefined` if absent or deleted. Never waits for
   * background work; the returned array is the caller's. Same as `getSync`.
   */
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = this.getSync(key);
    // Invariant 7: the value is taken at call time; the yield only delays the answer.
    if (this.backgroundPending() && ++this.readsSinceYield >= READS_PER_BACKGROUND_YIELD) {
      this.readsSinceYield = 0;
      await yieldToEventLoop(this.clock);
    }
    return value;
  }

  /** True while a flush or compaction is under way or due: work that only runs when the event loop turns. */
  private backgroundPending(): boolean {
    return this.flushing !== undefined || this.compacting !== undefined || this.frozen.length > 0;
  }

  /** Synchronous `get`: everything it touches is in memory or a synchronous read. */
  getSync(key: Uint8Array, snapshot?: Snapshot): Uint8Array | undefined {
    this.checkOpen();
    checkKey(key, this.opts.keyBytesMax);
    const s = snapshot as EngineSnapshot | undefined;
    const e = s
      ? lookup(s.memtables, s.version, this.tableCache, key, s.seq)
      : lookup(this.memtables(), this.version, this.tableCache, key, this.publisher.visibleSeq());
    if (!e || e.kind !== KIND_PUT) return undefined;
    // A table lookup already returns a value the caller owns; a memtable entry is shared.
    return e instanceof MemEntry ? e.value.slice() : e.value;
  }

  /**
   * Pins the current state for consistent reads (`getSync(key, snap)`,
   * `iterate({ snapshot })`). Release it when done.
   */
  snapshot(): Snapshot {
    this.checkOpen();
    if (this.snapshots.size >= SNAPSHOTS_MAX) {
      throw new LsmError('invalid-argument', `more than ${SNAPSHOTS_MAX} live snapshots`);
    }
    const version = this.version;
    version.refs++;
    this.pinned.add(version);
    const snap = new EngineSnapshot(this.publisher.visibleSeq(), version, this.memtables(), (x) => this.releaseSnapshot(x));
    this.snapshots.add(snap);
    return snap;
  }

  /**
   * Key-ordered (key, value) pairs within the bounds, as seen at one snapshot
   * taken when iteration starts (or `options.snapshot`). Writes may continue
   * meanwhile and are not seen. Gotcha: an abandoned iteration that is never
   * finished or `return()`ed keeps its snapshot pinned; `for…of` with `break`
   * is fine.
   */
  iterate(options: IterateOptions = {}): EntryIterable {
    this.checkOpen();
    const bounds = checkBounds(options);
    const self = this;
    function* run(): Generator<[Uint8Array, Uint8Array]> {
      const own = options.snapshot === undefined;
      const snap = (options.snapshot ?? self.snapshot()) as EngineSnapshot;
      const it = viewIterator(snap.memtables, snap.version, self.tableCache);
      try {
        yield* userEntries(it, snap.seq, bounds);
      } finally {
        it.close();
        if (own) snap.release();
      }
    }
    return {
      [Symbol.iterator]: run,
      async *[Symbol.asyncIterator]() {
        yield* run();
      },
    };
  }

  // ---------------------------------------------------------------- writes

  /** Stores `value` under `key`. Resolves when the write is visible and as durable as asked. */
  async put(key: Uint8Array, value: Uint8Array, options?: WriteOptions): Promise<void> {
    checkKey(key, this.opts.keyBytesMax);
    checkValue(value, this.opts.valueBytesMax);
    return this.write([{ kind: KIND_PUT, key, value }], checkDurability(options?.durability));
  }

  /** Deletes `key` (writes a tombstone). Deleting an absent key is not an error. */
  async delete(key: Uint8Array, options?: WriteOptions): Promise<void> {
    checkKey(key, this.opts.keyBytesMax);
    return this.write([{ kind: KIND_DELETE, key, value: EMPTY }], checkDurability(options?.durability));
  }

  /** Applies all ops atomically: after a crash, either all or none are there. */
  async batch(ops: readonly BatchOperation[], options?: WriteOptions): Promise<void> {
    const batchOps = toBatchOps(ops, this.opts.keyBytesMax, this.opts.valueBytesMax);
    if (batchOps.length === 0) return;
    return this.write(batchOps, checkDurability(options?.durability));
  }

  private async write(ops: BatchOp[], durability: Durability | undefined): Promise<void> {
    this.checkWritable();
    if (this.space.has('writes')) throw this.space.refusal();
    if (this.l0Slow()) {
      // Invariant 6: one short delay per write, never a loop, so a write is slowed at most once.
      this.counters.slowdowns++;
      await new Promise<void>((resolve) => this.clock.setTimer(L0_SLOWDOWN_DELAY_MS, resolve));
      this.checkWritable();
    }
    // The check and the append below run in one synchronous step, so no other writer slips in between.
    if (this.mustWait()) {
      const wait: StallState = { deadlineMs: this.clock.nowMs() + this.opts.writeStallTimeoutMs, startMs: undefined };
      try {
        do {
          await this.makeRoom(wait);
          this.checkWritable();
          if (this.space.has('writes')) throw this.space.refusal();
        } while (this.mustWait());
      } finally {
        if (wait.startMs !== undefined) this.counters.stallMs += this.clock.nowMs() - wait.startMs;
      }
    }
    const first = this.lastSeq + 1;
    try {
      this.log.append(first, ops);
    } catch (error) {
      // A full disk left the log as it was (appends are all or nothing): refuse, do not fail.
      if (isNoSpace(error)) this.blockSpace('writes', error);
      else this.fail(error);
      throw error;
    }
    this.lastSeq += ops.length;
    const mode = durability ?? this.opts.durability;
    if (mode === 'sync') this.publisher.holdFor(first);
    this.insertCopies(ops, first);
    this.publisher.appendedThrough(this.lastSeq);
    if (mode === 'sync') {
      try {
        await this.log.sync();
      } catch (error) {
        this.fail(error);
        throw error;
      }
      this.publisher.release(first);
    } else if (mode === 'interval') {
      this.armIntervalSync();
    }
    return this.publisher.whenVisible(this.lastSeqOf(first, ops.length));
  }

  /**
   * Inserts copies of the ops into the memtable. The copies share one buffer
   * per write: one allocation instead of two per op, and the entries of a
   * write live exactly as long as each other (their memtable's lifetime).
   */
  private insertCopies(ops: readonly BatchOp[], first: number): void {
    let bytes = 0;
    for (const op of ops) bytes += op.key.length + op.value.length;
    const arena = new Uint8Array(bytes);
    let at = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as BatchOp;
      arena.set(op.key, at);
      const key = arena.subarray(at, at + op.key.length);
      at += op.key.length;
      arena.set(op.value, at);
      const value = op.value.length === 0 ? EMPTY : arena.subarray(at, at + op.value.length);
      at += op.value.length;
      this.mem.insert(key, first + i, op.kind, value);
    }
    this.counters.userBytes += bytes;
  }

  private lastSeqOf(first: number, count: number): number {
    return first + count - 1;
  }

  private armIntervalSync(): void {
    if (this.cancelIntervalSync) return;
    this.cancelIntervalSync = this.clock.setTimer(this.opts.syncIntervalMs, () => {
      this.cancelIntervalSync = undefined;
      if (this.fatal === undefined && !this.closed) this.log.sync().catch((e: unknown) => this.fail(e));
    });
  }

  /** True when a write cannot go into the active memtable right now. */
  private mustWait(): boolean {
    return this.rotating !== undefined || this.mem.approximateBytes >= this.opts.memtableBytes;
  }

  /**
   * Waits until the active memtable has room, freezing it or stalling as
   * needed (invariant 5). Any wait for a rotation someone else started or for
   * a flush or compaction is a stall; all waits share one deadline of
   * `writeStallTimeoutMs`. The caller re-checks `mustWait()` synchronously
   * before appending: a resumed writer may find the memtable full again.
   */
  private async makeRoom(wait: StallState): Promise<void> {
    const stalled = (): number => {
      if (wait.startMs === undefined) {
        wait.startMs = this.clock.nowMs();
        this.counters.stalls++;
      }
      return wait.deadlineMs;
    };
    while (this.mustWait()) {
      this.checkWritable();
      if (this.space.has('writes')) throw this.space.refusal();
      if (this.rotating) {
        await this.withDeadline(this.rotating, stalled());
      } else if (this.frozen.length >= this.opts.frozenMemtablesMax || this.l0Full()) {
        // Waiting for a flush or compaction a full disk has stopped would only end in a stall timeout.
        if (this.space.any) throw this.space.refusal();
        await this.withDeadline(this.nextFlush(), stalled());
      } else {
        // Our own rotation costs one fsync: bounded by the same deadline, but not counted as a stall.
        await this.withDeadline(this.rotate(), wait.deadlineMs);
      }
    }
  }

  /** `p`, or a `write-stall-timeout` rejection at `deadlineMs` on the engine's clock. */
  private withDeadline<T>(p: Promise<T>, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.setTimer(Math.max(0, deadlineMs - this.clock.nowMs()), () => {
        reject(new LsmError('write-stall-timeout', `write waited ${this.opts.writeStallTimeoutMs} ms for room in the memtables`));
      });
      p.then(
        (v) => {
          cancel();
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          reject(e);
        },
      );
    });
  }

  /** Freezes the active memtable and starts a new log segment (one rotation at a time). */
  private rotate(): Promise<void> {
    if (this.rotating) return this.rotating;
    const run = async (): Promise<void> => {
      const number = this.nextFileNumber++;
      try {
        await this.log.rotate(number);
      } catch (error) {
        // A segment that could not be created leaves the current one in place.
        if (isNoSpace(error)) this.blockSpace('writes', error);
        else this.fail(error);
        throw error;
      }
      this.frozen.push(this.mem);
      this.mem = new Memtable(number);
      this.ownSegment.add(this.mem);
      this.memList = undefined;
      addCheckpoint(this.checkpoints, this.lastSeq, this.clock.nowMs(), this.opts.tombstoneGraceMs);
      this.scheduleFlush();
    };
    const rotation = run().finally(() => {
      this.rotating = undefined;
    });
    rotation.catch(() => {}); // waiters get the error; an unawaited rotation must not be an unhandled rejection
    this.rotating = rotation;
    return rotation;
  }

  /** True while L0 holds `l0SlowdownWritesTrigger` tables and background compaction is on. */
  private l0Slow(): boolean {
    return this.opts.autoCompaction && (this.version.levels[0]?.length ?? 0) >= this.opts.l0SlowdownWritesTrigger;
  }

  /** True while L0 is at its stop trigger and a compaction is on its way to shrink it. */
  private l0Full(): boolean {
    return this.opts.autoCompaction && (this.version.levels[0]?.length ?? 0) >= this.opts.l0StopWritesTrigger;
  }

  /** Resolves after the next flush or compaction completes (or the engine fails or closes). */
  private nextFlush(): Promise<void> {
    return new Promise((resolve) => this.stallWaiters.push(resolve));
  }

  private wakeStalled(): void {
    const waiters = this.stallWaiters;
    this.stallWaiters = [];
    for (const w of waiters) w();
  }

  // ---------------------------------------------------------------- background work

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.frozen.length > 0 && this.fatal === undefined) {
      try {
        await this.flushOldest();
      } catch (error) {
        if (!isNoSpace(error)) this.fail(error);
        else {
          // The memtable stays frozen (its log segment still holds it) until a retry flushes it.
          this.blockSpace('writes', error);
          return;
        }
      }
      this.wakeStalled();
      this.maybeCompact();
    }
  }

  private async flushOldest(): Promise<void> {
    const m = this.frozen[0] as Memtable;
    const n = this.nextFileNumber++;
    const w = this.tableWorker;
    const path = this.pathOf(n);
    let meta: TableMeta;
    if (w === undefined) meta = await writeTable(this.vfs, this.clock, this.dir, path, n, m.iterator(), this.buildOptions);
    else if (this.ownSegment.has(m)) {
      meta = await w.writeTableFromLog(this.clock, this.dir, `${this.dir}/${logFileName(m.logNumber)}`, path, n, m, this.buildOptions);
    } else meta = await w.writeTable(this.clock, this.dir, path, n, m.iterator(), this.buildOptions);
    const logNumber = this.frozen[1]?.logNumber ?? this.mem.logNumber;
    await this.installOrRemove((v) => withFlushed(v, meta), logNumber, [n]);
    this.frozen.shift();
    this.memList = undefined;
    this.counters.flushes++;
    this.counters.flushBytes += meta.sizeBytes;
  }

  /** Builds the next version from the current one and makes it durable (serialized). */
  private install(next: (v: Version) => Version, logNumber: number): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.fatal !== undefined) throw this.fatal;
      const version = next(this.version);
      const manifestNumber = this.nextFileNumber++;
      const state: ManifestState = {
        nextFileNumber: this.nextFileNumber,
        lastSeq: this.lastSeq,
        logNumber,
        checkpoints: this.checkpoints.slice(),
        levels: version.levels.map((l) => l.slice()),
      };
      this.counters.manifestBytes += await installManifest(this.vfs, this.dir, manifestNumber, state);
      const old = this.version;
      const oldManifest = this.manifestNumber;
      const oldLog = this.logNumber;
      this.version = version;
      this.manifestNumber = manifestNumber;
      this.logNumber = logNumber;
      this.vfs.remove(`${this.dir}/${manifestFileName(oldManifest)}`);
      for (let l = oldLog; l < logNumber; l++) {
        this.vfs.remove(`${this.dir}/${logFileName(l)}`);
        this.vfs.remove(`${this.dir}/${syncMarkFileName(l)}`);
      }
      const live = new Set(version.fileNumbers());
      for (const f of old.fileNumbers()) if (!live.has(f)) this.obsoleteTables.add(f);
      this.deleteObsoleteTables();
    };
    const result = this.manifestChain.then(run);
    this.manifestChain = result.catch(() => {});
    return result;
  }

  /**
   * `install`, removing the new tables `created` if it fails with `no-space`
   * (then nothing names them: installManifest fails before the rename).
   */
  private async installOrRemove(next: (v: Version) => Version, logNumber: number, created: readonly number[]): Promise<void> {
    try {
      await this.install(next, logNumber);
    } catch (error) {
      if (isNoSpace(error)) for (const f of created) this.vfs.remove(this.pathOf(f));
      throw error;
    }
  }

  private deleteObsoleteTables(): void {
    if (this.obsoleteTables.size === 0) return;
    const live = new Set(this.version.fileNumbers());
    for (const v of this.pinned) for (const f of v.fileNumbers()) live.add(f);
    for (const f of this.obsoleteTables) {
      if (live.has(f)) continue;
      this.obsoleteTables.delete(f);
      this.tableCache.evict(f);
      this.vfs.remove(this.pathOf(f));
    }
  }

  private releaseSnapshot(s: EngineSnapshot): void {
    this.snapshots.delete(s);
    if (--s.version.refs === 0) this.pinned.delete(s.version);
    if (!this.closed) this.deleteObsoleteTables();
  }

  private compactionOptions() {
    const o = this.opts;
    return {
      l0CompactionTrigger: o.l0CompactionTrigger,
      levelSizeBaseBytes: o.levelSizeBaseBytes,
      levelSizeMultiplier: o.levelSizeMultiplier,
      targetFileSizeBytes: o.targetFileSizeBytes,
      levelsMax: o.levels,
    };
  }

  /** Starts the background compaction loop if there is work and none is running. */
  private maybeCompact(): void {
    if (!this.opts.autoCompaction || this.compacting || this.closing || this.fatal !== undefined) return;
    if (this.space.has('compaction')) return; // the retry timer restarts it
    if (!pickCompaction(this.version.levels, this.compactionOptions())) return;
    this.compacting = this.compactionLoop().finally(() => {
      this.compacting = undefined;
    });
  }

  private async compactionLoop(): Promise<void> {
    while (!this.closing && this.fatal === undefined) {
      const plan = pickCompaction(this.version.levels, this.compactionOptions());
      if (!plan) return;
      try {
        await this.runPlan(plan);
      } catch (error) {
        if (!isNoSpace(error)) this.fail(error);
        else {
          // runCompaction removed its outputs; the inputs are untouched. Writes go on.
          this.blockSpace('compaction', error);
          this.wakeStalled();
          return;
        }
      }
      this.wakeStalled();
    }
  }

  private async runPlan(plan: CompactionPlan): Promise<void> {
    if (plan.trivialMove && plan.level !== plan.outputLevel) {
      // The input overlaps nothing below: a manifest edit moves it, no bytes are rewritten.
      await this.install((v) => withCompacted(v, plan.inputs, plan.inputs, plan.outputLevel), this.logNumber);
      this.counters.compactions++;
      return;
    }
    const version = this.version;
    addCheckpoint(this.checkpoints, this.publisher.visibleSeq(), this.clock.nowMs(), this.opts.tombstoneGraceMs);
    const smallestSnapshotSeq = this.smallestSnapshotSeq();
    const graceSeq =
      this.opts.tombstoneGraceMs === 0
        ? smallestSnapshotSeq
        : dropMaxSeq(this.checkpoints, this.clock.nowMs(), this.opts.tombstoneGraceMs);
    const tombstoneDropMaxSeq = Math.min(graceSeq, smallestSnapshotSeq);
    const newFileNumber = (): number => this.nextFileNumber++;
    const result = this.tableWorker
      ? await this.tableWorker.compact(plan, {
          dir: this.dir,
          levels: version.levels,
          options: this.buildOptions,
          targetFileSizeBytes: this.opts.targetFileSizeBytes,
          smallestSnapshotSeq,
          tombstoneDropMaxSeq,
          newFileNumber,
        })
      : await runCompaction(plan, {
          tableCache: this.tableCache,
          vfs: this.vfs,
          pathOf: (n) => this.pathOf(n),
          newFileNumber,
          buildOptions: this.buildOptions,
          targetFileSizeBytes: this.opts.targetFileSizeBytes,
          smallestSnapshotSeq,
          tombstoneDropMaxSeq,
          isBaseLevelForKey: (key) => version.isBaseLevelForKey(plan.outputLevel, key),
          yieldToEventLoop: () => yieldToEventLoop(this.clock),
        });
    const removed = [...plan.inputs, ...plan.overlapping];
    const outputs = result.outputs.map((t) => t.fileNumber);
    await this.installOrRemove((v) => withCompacted(v, removed, result.outputs, plan.outputLevel), this.logNumber, outputs);
    const c = this.counters;
    c.compactions++;
    c.compactionBytes += result.bytesWritten;
    c.compactionBytesRead += result.bytesRead;
    c.droppedEntries += result.droppedEntries;
    c.droppedTombstones += result.droppedTombstones;
  }

  private smallestSnapshotSeq(): number {
    let min = this.publisher.visibleSeq();
    for (const s of this.snapshots) if (s.seq < min) min = s.seq;
    return min;
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Freezes the active memtable (if it holds anything) and waits until every
   * frozen memtable is written to an L0 table. After it resolves, the log
   * holds nothing the tables do not.
   */
  async flush(): Promise<void> {
    this.checkWritable();
    if (this.space.has('writes')) throw this.space.refusal();
    while (this.rotating) await this.rotating;
    if (this.mem.entries > 0) {
      while (this.frozen.length >= this.opts.frozenMemtablesMax) {
        if (this.space.has('writes')) throw this.space.refusal();
        await this.nextFlush();
        this.checkWritable();
      }
      if (this.mem.entries > 0) await this.rotate();
    }
    while (this.frozen.length > 0) {
      this.scheduleFlush();
      await this.flushing;
      this.checkWritable();
      // A flush stopped by a full disk waits for the retry timer; do not spin on it.
      if (this.space.has('writes')) throw this.space.refusal();
    }
  }

  /**
   * Writes a checkpoint of the engine into the empty directory `dir`: the
   * engine flushes, then hard-links its tables there with a manifest naming
   * them, while it goes on serving (engine/checkpoint.ts). `openEngine(dir)`
   * then holds every write acknowledged before the call.
   * Errors: `invalid-argument` (dir not empty, or the engine's own), `io`,
   * `no-space`, `closed`.
   */
  async checkpoint(dir: string): Promise<CheckpointInfo> {
    await this.flush();
    this.checkWritable();
    return writeCheckpoint(
      { vfs: this.vfs, dir: this.dir, levels: this.version.levels, lastSeq: this.lastSeq, nextFileNumber: this.nextFileNumber, checkpoints: this.checkpoints },
      dir,
    );
  }

  /**
   * Full manual compaction: flushes, then merges every level down into the
   * deepest non-empty one, dropping overwritten versions and (after the grace
   * period) tombstones. Waits for a background compaction in progress first.
   */
  async compact(): Promise<void> {
    await this.flush();
    while (this.compacting) await this.compacting;
    this.checkWritable();
    const run = this.manualCompaction();
    this.compacting = run
      .catch(() => {}) // the caller of compact() gets the error through `run`
      .finally(() => {
        this.compacting = undefined;
      });
    await run;
    this.maybeCompact();
  }

  private async manualCompaction(): Promise<void> {
    const levels = this.version.levels;
    let target = 1;
    for (let l = levels.length - 1; l >= 1; l--) {
      if ((levels[l] as readonly TableMeta[]).length > 0) {
        target = l;
        break;
      }
    }
    for (let level = 0; level < target; level++) {
      const inputs = [...(this.version.levels[level] as readonly TableMeta[])];
      if (inputs.length === 0) continue;
      const overlapping = overlappingTables(this.version.levels[level + 1] as readonly TableMeta[], inputs);
      await this.runPlan({ level, outputLevel: level + 1, inputs, overlapping, reason: 'manual', score: 0 });
      this.checkWritable();
    }
    // The bottom level is rewritten in place when it holds tombstones, which
    // may have passed their grace period since they got there.
    const bottom = [...(this.version.levels[target] as readonly TableMeta[])];
    if (bottom.some((t) => t.tombstones > 0)) {
      await this.runPlan({ level: target, outputLevel: target, inputs: bottom, overlapping: [], reason: 'manual', score: 0 });
    }
  }

  /** Figures about the engine's shape and work; cheap (no I/O). */
  stats(): EngineStats {
    const c = this.counters;
    const disk = c.walBytes + this.log.bytesWritten + c.flushBytes + c.compactionBytes + c.manifestBytes;
    const shape = shapeOf(this.version, 1 + this.frozen.length);
    const cache = this.blockCache.stats();
    const lookups = cache.hits + cache.misses;
    return {
      levels: this.version.levels.map((l, level) => ({ level, tables: l.length, bytes: l.reduce((n, t) => n + t.sizeBytes, 0) })),
      memtableBytes: this.mem.approximateBytes + this.frozen.reduce((n, m) => n + m.approximateBytes, 0),
      frozenMemtables: this.frozen.length,
      lastSeq: this.lastSeq,
      userBytesWritten: c.userBytes,
      diskBytesWritten: { wal: c.walBytes + this.log.bytesWritten, flush: c.flushBytes, compaction: c.compactionBytes, manifest: c.manifestBytes },
      writeAmplification: c.userBytes > 0 ? disk / c.userBytes : 0,
      readAmplification: shape.readAmp,
      spaceAmplification: shape.spaceAmp,
      blockCache: { ...cache, hitRate: lookups > 0 ? cache.hits / lookups : 0 },
      openTables: this.tableCache.stats().openTables,
      stalls: { count: c.stalls, totalMs: c.stallMs },
      slowdowns: c.slowdowns,
      walSyncs: this.log.syncs,
      flushes: c.flushes,
      compactions: c.compactions,
      compactionBytesRead: c.compactionBytesRead,
      droppedEntries: c.droppedEntries,
      droppedTombstones: c.droppedTombstones,
      liveSnapshots: this.snapshots.size,
      space: this.spaceStats(),
      recovery: {
        replayedRecords: c.replayedRecords,
        droppedTailBytes: c.droppedTailBytes,
        corruption: { ...this.recoveryLoss, details: this.recoveryLoss.details.map((d) => ({ ...d })) },
      },
    };
  }

  /**
   * Stops the engine: waits for background work, fsyncs the log (so
   * `interval`/`none` writes made before are durable), and releases the
   * directory lock. With `{ flush: true }` it also flushes the memtable, so the
   * next open replays nothing. Idempotent. Rejects (after still releasing
   * everything) if the final fsync fails.
   */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    // On a full disk the flush is skipped: the log already holds every acknowledged write.
    if (options.flush && this.fatal === undefined && !this.space.any) await this.flush().catch(rethrowUnlessNoSpace);
    this.closing = true;
    this.cancelSpaceRetry?.();
    let failure: unknown;
    try {
      while (this.rotating || this.flushing || this.compacting || this.spaceRetrying) {
        await Promise.allSettled([this.rotating, this.flushing, this.compacting, this.spaceRetrying]);
      }
      await this.manifestChain;
      if (this.fatal === undefined && this.log.dirty) await this.log.sync();
    } catch (error) {
      failure = error;
    } finally {
      this.closed = true;
      this.cancelIntervalSync?.();
      this.publisher.failAll(new LsmError('closed', 'engine closed'));
      await this.log.close().catch(() => {});
      this.wakeStalled();
      await this.tableWorker?.terminate().catch(() => {});
      this.tableCache.close();
      this.lock.release();
    }
    if (failure !== undefined) throw failure;
  }

  // ---------------------------------------------------------------- state

  /**
   * Newest first: the active memtable, then frozen ones newest to oldest.
   * Cached until the set changes; never mutated, as snapshots keep it.
   */
  private memtables(): readonly Memtable[] {
    if (this.memList === undefined) {
      const out = [this.mem];
      for (let i = this.frozen.length - 1; i >= 0; i--) out.push(this.frozen[i] as Memtable);
      this.memList = out;
    }
    return this.memList;
  }

  /**
   * Whether writes are accepted now, and if not why: a full disk (`no-space`,
   * retried) or a fatal error. Cheap; for health checks.
   */
  writeState(): { writable: true } | { writable: false; reason: string } {
    if (this.closing || this.closed) return { writable: false, reason: 'engine is closed' };
    if (this.fatal !== undefined) return { writable: false, reason: `stopped after an error: ${(this.fatal as Error)?.message ?? String(this.fatal)}` };
    const reason = this.space.has('writes') ? this.space.reason() : undefined;
    return reason === undefined ? { writable: true } : { writable: false, reason };
  }

  private spaceStats(): EngineStats['space'] {
    const state = this.writeState();
    const sp = this.space;
    return {
      writable: state.writable,
      writesBlocked: sp.has('writes'),
      compactionBlocked: sp.has('compaction'),
      reason: state.writable ? sp.reason() : state.reason,
      retries: sp.retries,
      refusedWrites: sp.refusedWrites,
    };
  }

  /** Records a full disk and arms the retry (space.ts); stalled writers wake and are refused. */
  private blockSpace(what: SpaceBlock, error: LsmError): void {
    this.space.block(what, error);
    this.wakeStalled();
    this.armSpaceRetry();
  }

  /** One retry at a time: a block recorded while one runs is picked up when it ends. */
  private armSpaceRetry(): void {
    if (this.cancelSpaceRetry !== undefined || this.spaceRetrying !== undefined || this.closing) return;
    this.cancelSpaceRetry = this.clock.setTimer(this.space.nextDelayMs(), () => {
      this.cancelSpaceRetry = undefined;
      this.spaceRetrying = this.retrySpace().finally(() => {
        this.spaceRetrying = undefined;
        if (this.space.any && this.fatal === undefined) this.armSpaceRetry();
      });
    });
  }

  /** One retry: probe the disk, flush what is frozen, restart compaction. Never throws. */
  private async retrySpace(): Promise<void> {
    if (this.closing || this.fatal !== undefined) return;
    this.space.retries++;
    if (this.space.has('writes')) {
      try {
        await this.probeSpace();
      } catch (error) {
        if (isNoSpace(error)) this.blockSpace('writes', error);
        else this.fail(error);
        return;
      }
      if (this.frozen.length > 0) {
        this.scheduleFlush();
        await this.flushing;
        if (this.frozen.length > 0) return; // still blocked (flushLoop recorded it) or failed
      }
      this.space.clear('writes');
    }
    if (this.space.has('compaction')) {
      this.space.clear('compaction');
      this.maybeCompact();
    }
    this.wakeStalled();
  }

  /** Writes, fsyncs and removes `SPACE_PROBE_BYTES` (one largest write) to learn whether writes can resume. */
  private async probeSpace(): Promise<void> {
    const path = `${this.dir}/${SPACE_PROBE_FILE}`;
    const file = this.vfs.create(path);
    try {
      file.append(new Uint8Array(SPACE_PROBE_BYTES));
      await file.sync();
    } finally {
      file.close();
      this.vfs.remove(path);
    }
  }

  private fail(error: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    this.publisher.failAll(new LsmError('closed', 'engine stopped accepting writes after an error', { cause: error }));
    this.wakeStalled();
  }

  private checkOpen(): void {
    if (this.closed) throw new LsmError('closed', 'engine is closed');
  }

  private checkWritable(): void {
    if (this.closing || this.closed) throw new LsmError('closed', 'engine is closed');
    if (this.fatal !== undefined) {
      throw new LsmError('closed', 'engine stopped accepting writes after an error', { cause: this.fatal });
    }
  }
}

function rethrowUnlessNoSpace(error: unknown): void {
  if (!isNoSpace(error)) throw error;
}

function overlappingTables(level: readonly TableMeta[], inputs: readonly TableMeta[]): TableMeta[] {
  let lo = (inputs[0] as TableMeta).smallestKey;
  let hi = (inputs[0] as TableMeta).largestKey;
  for (const t of inputs) {
    if (compareBytes(t.smallestKey, lo) < 0) lo = t.smallestKey;
    if (compareBytes(t.largestKey, hi) > 0) hi = t.largestKey;
  }
  return level.filter((t) => compareBytes(t.largestKey, lo) >= 0 && compareBytes(t.smallestKey, hi) <= 0);
}

function checkBounds(o: IterateOptions): Bounds {
  if (o.reverse) throw new LsmError('invalid-argument', 'reverse iteration is not supported');
  if (o.gte !== undefined && o.gt !== undefined) throw new LsmError('invalid-argument', 'give at most one of gte and gt');
  if (o.lt !== undefined && o.lte !== undefined) throw new LsmError('invalid-argument', 'give at most one of lt and lte');
  for (const k of [o.gte, o.gt, o.lt, o.lte]) if (k !== undefined) checkBound(k);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 0)) {
    throw new LsmError('invalid-argument', 'limit must be a non-negative integer');
  }
  return { gte: o.gte, gt: o.gt, lt: o.lt, lte: o.lte, limit: o.limit };
}

/**
 * Opens (creating if needed) the engine in `dir`: takes the directory lock,
 * recovers from the manifest and the log, and starts a fresh log segment.
 * Rejects with `locked` if another engine holds the directory, `corruption`
 * if the manifest is damaged or (with `walRecovery: 'strict'`, the default)
 * the log is damaged beyond a torn tail, `invalid-argument` for a bad option.
 * A torn log tail (bad or cut bytes at the end of the newest segment, above
 * its synced-size mark) is not an error: it is dropped and counted in
 * `stats().recovery.droppedTailBytes`. With `walRecovery: 'salvage'` other
 * log damage is skipped and reported in `stats().recovery.corruption`.
 */
export async function openEngine(dir: string, options: EngineOptions = {}): Promise<Engine> {
  if (typeof dir !== 'string' || dir === '') throw new LsmError('invalid-argument', 'dir must be a non-empty path');
  const opts = resolveOptions(options);
  const root = dir.endsWith('/') && dir.length > 1 ? dir.slice(0, -1) : dir;
  opts.vfs.mkdirp(root);
  const lock = await opts.vfs.lock(`${root}/${LOCK_FILE}`);
  try {
    const buildOptions: TableBuildOptions = {
      blockSizeBytes: opts.blockSizeBytes,
      restartInterval: opts.restartInterval,
      bloomBitsPerKey: opts.bloomBitsPerKey,
      compression: opts.compression,
    };
    const recovered = await recover({
      vfs: opts.vfs,
      clock: opts.clock,
      dir: root,
      levels: opts.levels,
      memtableBytes: opts.memtableBytes,
      buildOptions,
      tombstoneGraceMs: opts.tombstoneGraceMs,
      walRecovery: opts.walRecovery,
    });
    const log = await CommitLog.create(opts.vfs, root, recovered.newLogNumber);
    return new Engine(root, opts, lock, log, recovered, buildOptions);
  } catch (error) {
    lock.release();
    throw error;
  }
}

