/**
 * The engine's view of a full disk (ENOSPC), a recoverable state rather than
 * a fatal one: what is blocked, why, and when to try again.
 *
 * - `writes` is blocked when a log append, a log rotation or a flush met a
 *   full disk: new writes are refused with `no-space` at once (nothing was
 *   applied), reads go on. A retry (a probe write, then the pending flush)
 *   unblocks it.
 * - `compaction` is blocked when a compaction met a full disk: writes go on
 *   (until L0 reaches its stop trigger, where they are refused rather than
 *   stalled), and the compaction is retried.
 *
 * Invariants:
 *   1. The retry delay starts at `NO_SPACE_RETRY_FIRST_MS`, doubles with every
 *      block up to `NO_SPACE_RETRY_MAX_MS`, and starts over only once nothing
 *      is blocked.
 *   2. Nothing written before the block is lost: every failed step leaves the
 *      files as they were (appends are all or nothing, partial tables and
 *      manifests are removed), and the log still holds every acknowledged write.
 */
import { LsmError, isLsmError } from '../errors.js';
import { NO_SPACE_RETRY_FIRST_MS, NO_SPACE_RETRY_MAX_MS } from '../limits.js';

/** What a full disk stopped. */
export type SpaceBlock = 'writes' | 'compaction';

/** True for an ENOSPC from the Vfs. */
export function isNoSpace(error: unknown): error is LsmError {
  return isLsmError(error) && error.code === 'no-space';
}

export class SpaceState {
  private readonly blocked = new Map<SpaceBlock, LsmError>();
  private delayMs = NO_SPACE_RETRY_FIRST_MS;
  /** Retries run so far (each a probe, flush or compaction attempt). */
  retries = 0;
  /** Writes refused because the disk was full. */
  refusedWrites = 0;

  has(what: SpaceBlock): boolean {
    return this.blocked.has(what);
  }

  get any(): boolean {
    return this.blocked.size > 0;
  }

  block(what: SpaceBlock, error: LsmError): void {
    this.blocked.set(what, error);
  }

  /** How long to wait before the next retry; each call doubles the next (invariant 1). */
  nextDelayMs(): number {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, NO_SPACE_RETRY_MAX_MS);
    return delay;
  }

  clear(what: SpaceBlock): void {
    this.blocked.delete(what);
    if (this.blocked.size === 0) this.delayMs = NO_SPACE_RETRY_FIRST_MS;
  }

  /** The error a write gets while `writes` (or, when it must wait for background work, anything) is blocked. */
  refusal(): LsmError {
    this.refusedWrites++;
    const cause = this.blocked.get('writes') ?? this.blocked.get('compaction');
    return new LsmError('no-space', 'the disk is full: writes are refused until space is freed (retried with backoff)', { cause });
  }

  /** The message of the block that stops writes, if any. */
  reason(): string | undefined {
    return (this.blocked.get('writes') ?? this.blocked.get('compaction'))?.message;
  }
}
