/**
 * Runs one compaction: merges the input tables in internal order, drops what
 * no reader can see any more, and writes the rest into new tables of the
 * output level, cut at about `targetFileSizeBytes`.
 *
 * Dropping rules (LevelDB's, with the caller's tombstone grace period):
 *   1. A version is dropped when a newer version of the same key has
 *      seq <= smallestSnapshotSeq: every live snapshot sees that newer one.
 *   2. A tombstone is dropped when seq <= smallestSnapshotSeq (every snapshot
 *      sees it), seq <= tombstoneDropMaxSeq (its grace period has passed) and
 *      isBaseLevelForKey(key) (no level below the output may hold an older
 *      version it still has to hide). The versions it hid go by rule 1.
 *
 * Invariants:
 *   3. Outputs are cut only between two different user keys, so the output
 *      level never has one user key split over two tables.
 *   4. Every output is synced and its directory entry made durable before the
 *      promise resolves; on failure the outputs created so far are removed
 *      and no output is reported.
 *
 * Concurrency: the merge is synchronous work between awaits of
 * `ctx.yieldToEventLoop` (if given) and of the output syncs; the inputs are
 * pinned in the table cache by their iterators until the end.
 */
import { compareBytes, KIND_DELETE, type InternalIterator } from '../format/internal.js';
import { mergingIterator } from '../sstable/merging-iterator.js';
import { KeyBuffer } from '../util/key-buffer.js';
import { TableBuilder } from '../sstable/table-builder.js';
import type { TableMeta } from '../sstable/types.js';
import type { VfsAppendFile } from '../vfs/vfs.js';
import { GRANDPARENT_OVERLAP_FACTOR } from './picker.js';
import type { CompactionContext, CompactionPlan, CompactionResult } from './types.js';

/** Entries merged between two `yieldToEventLoop` calls: a few milliseconds of work. */
const ENTRIES_PER_YIELD = 4096;

interface Output {
  fileNumber: number;
  file: VfsAppendFile;
  builder: TableBuilder;
}

/**
 * Runs `plan` and returns the new tables (contract B).
 *
 * When to use: by the engine's background compaction, for a plan from
 * `pickCompaction` or `planFor`.
 * Details: reads inputs without filling the block cache; honours the two
 * dropping rules in the module header; cuts outputs at the target size and
 * before they overlap too much of the grandparent level.
 * Gotchas: the engine installs the outputs and deletes the inputs in one
 * manifest edit afterwards, and evicts the inputs from the table cache only
 * once no reader uses them.
 */
export async function runCompaction(plan: CompactionPlan, ctx: CompactionContext): Promise<CompactionResult> {
  const sources = [...plan.inputs, ...plan.overlapping];
  const children: InternalIterator[] = [];
  const outputs: TableMeta[] = [];
  const created: number[] = [];
  let current: Output | undefined;
  let merged: InternalIterator | undefined;
  try {
    for (const t of sources) children.push(ctx.tableCache.iterator(t.fileNumber, { fillCache: false }));
    merged = mergingIterator(children.splice(0));
    const grandparents = new GrandparentTracker(plan.grandparents ?? [], GRANDPARENT_OVERLAP_FACTOR * ctx.targetFileSizeBytes);
    const currentKey = new KeyBuffer();
    let hasKey = false;
    let lastSeqForKey = Infinity;
    let droppedEntries = 0;
    let droppedTombstones = 0;
    let sinceYield = 0;
    for (merged.seekToFirst(); merged.valid(); merged.next()) {
      const key = merged.key();
      const seq = merged.seq();
      const kind = merged.kind();
      const newKey = !hasKey || currentKey.compare(key) !== 0;
      if (newKey) {
        currentKey.set(key);
        hasKey = true;
        lastSeqForKey = Infinity;
        const cut = grandparents.shouldCutBefore(key);
        if (current !== undefined && (cut || current.builder.estimatedSizeBytes() >= ctx.targetFileSizeBytes)) {
          outputs.push(await finishOutput(current));
          current = undefined;
        }
      }
      const shadowed = lastSeqForKey <= ctx.smallestSnapshotSeq;
      lastSeqForKey = seq;
      const expiredTombstone =
        !shadowed &&
        kind === KIND_DELETE &&
        seq <= ctx.smallestSnapshotSeq &&
        seq <= ctx.tombstoneDropMaxSeq &&
        ctx.isBaseLevelForKey(key);
      if (shadowed || expiredTombstone) {
        droppedEntries++;
        if (kind === KIND_DELETE) droppedTombstones++;
      } else {
        if (current === undefined) {
          current = await startOutput(ctx);
          created.push(current.fileNumber);
        }
        current.builder.add(key, seq, kind, merged.value());
      }
      if (++sinceYield >= ENTRIES_PER_YIELD && ctx.yieldToEventLoop !== undefined) {
        sinceYield = 0;
        await ctx.yieldToEventLoop();
      }
    }
    if (current !== undefined) {
      outputs.push(await finishOutput(current));
      current = undefined;
    }
    if (created.length > 0) await ctx.vfs.syncDir(dirnameOf(ctx.pathOf(created[0] as number)));
    return {
      outputs,
      droppedEntries,
      droppedTombstones,
      bytesRead: sources.reduce((n, t) => n + t.sizeBytes, 0),
      bytesWritten: outputs.reduce((n, t) => n + t.sizeBytes, 0),
    };
  } catch (error) {
    if (current !== undefined) closeQuietly(current.file);
    for (const n of created) removeQuietly(ctx, n);
    throw error;
  } finally {
    merged?.close();
    for (const c of children) c.close();
  }
}

async function startOutput(ctx: CompactionContext): Promise<Output> {
  const fileNumber = await ctx.newFileNumber();
  const file = ctx.vfs.create(ctx.pathOf(fileNumber));
  return { fileNumber, file, builder: new TableBuilder(file, fileNumber, ctx.buildOptions) };
}

async function finishOutput(out: Output): Promise<TableMeta> {
  const meta = out.builder.finish();
  await out.file.sync();
  out.file.close();
  return meta;
}

function closeQuietly(file: VfsAppendFile): void {
  try {
    file.close();
  } catch {
    // Already failing; the original error is the one to report.
  }
}

function removeQuietly(ctx: CompactionContext, fileNumber: number): void {
  try {
    ctx.vfs.remove(ctx.pathOf(fileNumber));
  } catch {
    // An orphan table is harmless: the engine deletes files the manifest does not list.
  }
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Tracks how many bytes of the grandparent level the current output overlaps
 * (LevelDB's ShouldStopBefore): keys arrive in order, so one forward cursor
 * over the sorted grandparents suffices.
 */
class GrandparentTracker {
  private index = 0;
  private overlappedBytes = 0;
  private seenKey = false;

  constructor(
    private readonly grandparents: readonly TableMeta[],
    private readonly maxOverlapBytes: number,
  ) {}

  /** True when the output should end before `key` (called once per new user key). */
  shouldCutBefore(key: Uint8Array): boolean {
    const gps = this.grandparents;
    while (this.index < gps.length && compareBytes(key, (gps[this.index] as TableMeta).largestKey) > 0) {
      if (this.seenKey) this.overlappedBytes += (gps[this.index] as TableMeta).sizeBytes;
      this.index++;
    }
    this.seenKey = true;
    if (this.overlappedBytes > this.maxOverlapBytes) {
      this.overlappedBytes = 0;
      return true;
    }
    return false;
  }
}
