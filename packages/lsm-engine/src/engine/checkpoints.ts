/**
 * The seq→time index behind the tombstone grace period.
 *
 * Sequence numbers carry no time, so the engine records (seq, time)
 * checkpoints (at open, at each memtable freeze, before each compaction) and
 * keeps them in the manifest. Every seq <= a checkpoint's seq was written at
 * or before its time, so a tombstone with seq <= the newest checkpoint older
 * than the grace period is certainly older than the grace period.
 *
 * Invariants:
 *   1. Checkpoints are sorted by seq and by time.
 *   2. Removing a checkpoint only lowers `dropMaxSeq`: thinning is always safe
 *      (fewer tombstones dropped, never one too young).
 */
import type { SeqTime } from '../manifest/manifest.js';
import { CHECKPOINTS_MAX } from '../limits.js';

/** Adds a checkpoint and thins the list to CHECKPOINTS_MAX (invariant 2). */
export function addCheckpoint(list: SeqTime[], seq: number, timeMs: number, graceMs: number): void {
  const last = list[list.length - 1];
  if (last && (last.seq > seq || last.timeMs > timeMs)) return; // a clock that went back: keep the list monotonic
  if (last && last.seq === seq) return;
  list.push({ seq, timeMs });
  const cutoff = timeMs - graceMs;
  let firstUseful = 0;
  for (let i = 0; i < list.length; i++) if ((list[i] as SeqTime).timeMs <= cutoff) firstUseful = i;
  if (firstUseful > 0) list.splice(0, firstUseful);
  while (list.length > CHECKPOINTS_MAX) list.splice(1, 1);
}

/** The largest seq certainly written at or before `nowMs - graceMs` (0 if none). */
export function dropMaxSeq(list: readonly SeqTime[], nowMs: number, graceMs: number): number {
  let seq = 0;
  for (const c of list) if (c.timeMs <= nowMs - graceMs) seq = c.seq;
  return seq;
}
