/**
 * A fault-injecting in-memory `Vfs` (Pebble's `errorfs` + `strictfs`): it
 * simulates power loss, failed fsyncs and a full disk, so crash tests can
 * check what the engine promised against what survived.
 *
 * What a crash keeps (the durability contract of vfs.ts, made executable):
 *   1. Directory entries as of the last `syncDir` of their directory; newer
 *      creates, renames and removes are undone.
 *   2. For each surviving file, its synced bytes plus a random prefix of its
 *      unsynced bytes (mode `prefix`), nothing unsynced (mode `drop`), or a
 *      random prefix whose last few bytes are garbage (mode `torn`). The tear
 *      is at most `TEAR_BYTES_MAX` bytes long, less than any log record, so it
 *      models a torn final sector rather than random corruption.
 *
 * Fault points: every create, append, sync, syncDir, rename and remove counts
 * one point. `crashAtPoint(k)` lets the k-th point take effect and then cuts
 * the power: every later call throws an `io` error until `crash()` builds the
 * surviving image. A test enumerates k to crash at every point of a workload.
 */
import { LsmError } from '../errors.js';
import { MemInode, MemVfs, type MutationKind } from './mem-vfs.js';

/** The randomness `crash` needs; `Rng` of `@ringkv/sim` satisfies it. */
export interface RandomSource {
  /** An integer in [0, bound). */
  int(bound: number): number;
}

/** How a crash treats unsynced bytes (see the module header). */
export type CrashMode = 'drop' | 'prefix' | 'torn';

/** Longest garbage run a `torn` crash writes at the end of a file's surviving prefix. */
export const TEAR_BYTES_MAX = 7;

/**
 * Use in tests to simulate crashes and I/O errors under the engine. Gotcha:
 * after a crash the old engine's file handles are dead (they throw `io`);
 * open a new engine on the same `FaultVfs` to recover.
 */
export class FaultVfs extends MemVfs {
  private points = 0;
  private crashPoint = Number.POSITIVE_INFINITY;
  private powerOff = false;
  private syncFailures: 'none' | 'next' | 'all' = 'none';
  private appendFailure: 'none' | 'no-space' = 'none';
  private appendFailurePaths: RegExp | undefined;
  private gate: Promise<void> | undefined;
  /** Points counted per kind, for tests that want to crash after a particular kind of call. */
  readonly pointLog: MutationKind[] = [];

  /** Fault points so far (since construction or the last `crash`). */
  get faultPoints(): number {
    return this.points;
  }

  /** True once a scheduled crash point has been reached and the power is off. */
  get crashed(): boolean {
    return this.powerOff;
  }

  /** Cuts the power right after the k-th fault point (1-based) takes effect. */
  crashAtPoint(k: number): void {
    this.crashPoint = k;
  }

  /** Makes the next `sync` (or every `sync` and `syncDir`) fail with EIO. */
  failSyncs(which: 'none' | 'next' | 'all'): void {
    this.syncFailures = which;
  }

  /**
   * Makes every append (or only appends to paths matching `paths`) fail with
   * ENOSPC (`no-space`), writing nothing, until set back to 'none'.
   */
  failAppends(which: 'none' | 'no-space', paths?: RegExp): void {
    this.appendFailure = which;
    this.appendFailurePaths = paths;
  }

  /**
   * Holds every file `sync` until the returned function is called: a slow
   * disk, for tests of stalls and group commit.
   */
  holdSyncs(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.gate = gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      release();
    };
  }

  protected override syncGate(): Promise<void> {
    return this.gate ?? Promise.resolve();
  }

  /** Cuts the power now (if a crash point has not already) without building the image. */
  powerCut(): void {
    this.powerOff = true;
  }

  /**
   * Simulates the machine coming back after power loss: keeps what the
   * durability contract guarantees plus what `mode` and `rng` decide, drops
   * every lock and fault setting, and turns the power back on.
   */
  crash(rng: RandomSource, mode: CrashMode = 'prefix'): void {
    const survivors = new Map<MemInode, MemInode>();
    const files = new Map<string, MemInode>();
    for (const [path, inode] of this.durable) {
      let kept = survivors.get(inode);
      if (!kept) {
        kept = survivingCopy(inode, rng, mode);
        survivors.set(inode, kept);
      }
      files.set(path, kept);
    }
    this.files = files;
    this.durable = new Map(files);
    this.locks.clear();
    this.generation++;
    this.points = 0;
    this.pointLog.length = 0;
    this.crashPoint = Number.POSITIVE_INFINITY;
    this.powerOff = false;
    this.syncFailures = 'none';
    this.appendFailure = 'none';
  }

  protected override beforeMutation(kind: MutationKind, path: string): void {
    if (this.powerOff) throw new LsmError('io', `simulated power loss before ${kind} of ${path}`);
    if (kind === 'append' && this.appendFailure === 'no-space' && (this.appendFailurePaths?.test(path) ?? true)) {
      throw new LsmError('no-space', `ENOSPC: no space left on device, write ${path}`);
    }
    if ((kind === 'sync' || kind === 'sync-dir') && this.syncFailures !== 'none') {
      if (this.syncFailures === 'next') this.syncFailures = 'none';
      throw new LsmError('io', `EIO: i/o error, fsync ${path}`);
    }
  }

  protected override afterMutation(kind: MutationKind, _path: string): void {
    this.points++;
    this.pointLog.push(kind);
    if (this.points >= this.crashPoint) this.powerOff = true;
  }

  override checkGeneration(generation: number, path: string): void {
    super.checkGeneration(generation, path);
    if (this.powerOff) throw new LsmError('io', `simulated power loss: ${path}`);
  }
}

function survivingCopy(inode: MemInode, rng: RandomSource, mode: CrashMode): MemInode {
  const unsynced = inode.length - inode.syncedLength;
  const extra = mode === 'drop' || unsynced === 0 ? 0 : rng.int(unsynced + 1);
  const keep = inode.syncedLength + extra;
  const copy = new MemInode(inode.data.subarray(0, keep));
  if (mode === 'torn' && extra > 0) {
    const tear = 1 + rng.int(Math.min(TEAR_BYTES_MAX, extra));
    for (let i = keep - tear; i < keep; i++) copy.data[i] = rng.int(256);
  }
  return copy;
}
