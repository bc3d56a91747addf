/**
 * Chooses the next compaction for a leveled LSM tree (LevelDB's picker with
 * RocksDB's "min overlapping ratio" file choice).
 *
 * Scores: L0 = tables / l0CompactionTrigger (counted in files, because every
 * L0 table costs a lookup on every read); Ln (1 <= n < levelsMax - 1) =
 * bytes / (levelSizeBaseBytes * levelSizeMultiplier^(n-1)). The level with
 * the highest score >= 1 is compacted.
 *
 * Invariants:
 *   1. A plan's inputs together with its overlapping tables cover every
 *      version of every user key in their range held by the two levels, so
 *      the output level stays non-overlapping and no newer version is left
 *      above an older one.
 *   2. The last level is never compacted by score: it has nowhere to go.
 *   3. The function is pure: the same levels and options give the same plan.
 */
import { compareBytes } from '../format/internal.js';
import type { TableMeta } from '../sstable/types.js';
import type { CompactionOptions, CompactionPlan, LevelTables } from './types.js';

/** An output is cut once it overlaps this many target-sized files of the grandparent level (LevelDB uses 10). */
export const GRANDPARENT_OVERLAP_FACTOR = 10;

/** Target size of level `level` (>= 1). */
export function maxBytesForLevel(level: number, options: CompactionOptions): number {
  return options.levelSizeBaseBytes * Math.pow(options.levelSizeMultiplier, Math.max(0, level - 1));
}

/** Sum of the table sizes of a level. */
export function levelBytes(tables: readonly TableMeta[]): number {
  let total = 0;
  for (const t of tables) total += t.sizeBytes;
  return total;
}

/** The score of every level (the last is always 0, invariant 2); >= 1 means it needs compaction. */
export function levelScores(levels: LevelTables, options: CompactionOptions): number[] {
  const scores: number[] = [];
  for (let level = 0; level < options.levelsMax; level++) {
    const tables = levels[level] ?? [];
    if (level === options.levelsMax - 1) scores.push(0);
    else if (level === 0) scores.push(tables.length / options.l0CompactionTrigger);
    else scores.push(levelBytes(tables) / maxBytesForLevel(level, options));
  }
  return scores;
}

/**
 * The compaction to run next, or undefined when every level is within its
 * target.
 *
 * When to use: by the engine after each flush and compaction.
 * Details: L0 compacts all its tables into L1 (they usually overlap each
 * other); Ln compacts the one table whose overlap with Ln+1 is smallest
 * relative to its size, which keeps write amplification low.
 * Gotchas: the engine must not start a second compaction that shares a table
 * with one in flight; this function does not know about running compactions.
 */
export function pickCompaction(levels: LevelTables, options: CompactionOptions): CompactionPlan | undefined {
  const scores = levelScores(levels, options);
  let best = -1;
  for (let level = 0; level < scores.length; level++) {
    if ((scores[level] as number) >= 1 && (best < 0 || (scores[level] as number) > (scores[best] as number))) best = level;
  }
  if (best < 0) return undefined;
  const score = scores[best] as number;
  if (best === 0) {
    const inputs = [...(levels[0] ?? [])];
    return planFor(levels, 0, inputs, options, score, `L0 has ${inputs.length} tables (trigger ${options.l0CompactionTrigger})`);
  }
  const table = pickFileByOverlapRatio(levels[best] ?? [], levels[best + 1] ?? []);
  const reason = `L${best} holds ${levelBytes(levels[best] ?? [])} bytes (target ${maxBytesForLevel(best, options)})`;
  return planFor(levels, best, [table], options, score, reason);
}

/**
 * A plan compacting `inputs` of `level` into the next level, with overlapping
 * and grandparent tables filled in. Exported for manual compactions
 * (`engine.compact()`), which pass score 0.
 */
export function planFor(
  levels: LevelTables,
  level: number,
  inputs: TableMeta[],
  options: CompactionOptions,
  score: number,
  reason: string,
): CompactionPlan {
  const outputLevel = Math.min(level + 1, options.levelsMax - 1);
  const expanded = level === 0 ? inputs : expandToUserKeyBoundaries(levels[level] ?? [], inputs);
  const [smallest, largest] = rangeOf(expanded);
  const overlapping = outputLevel === level ? [] : overlappingTables(levels[outputLevel] ?? [], smallest, largest, true);
  const [allSmallest, allLargest] = rangeOf([...expanded, ...overlapping]);
  const grandparents = overlappingTables(levels[outputLevel + 1] ?? [], allSmallest, allLargest, true);
  const trivialMove =
    expanded.length === 1 &&
    overlapping.length === 0 &&
    outputLevel !== level &&
    levelBytes(grandparents) <= GRANDPARENT_OVERLAP_FACTOR * options.targetFileSizeBytes;
  return { level, outputLevel, inputs: expanded, overlapping, reason, score, grandparents, trivialMove };
}

/**
 * Tables whose key range intersects [smallest, largest]. `sorted` (a level
 * below L0: sorted and non-overlapping) finds the first candidate by binary
 * search, so picking stays cheap on levels of many thousand tables.
 */
export function overlappingTables(tables: readonly TableMeta[], smallest: Uint8Array, largest: Uint8Array, sorted = false): TableMeta[] {
  if (!sorted) return tables.filter((t) => compareBytes(t.largestKey, smallest) >= 0 && compareBytes(t.smallestKey, largest) <= 0);
  let lo = 0;
  let hi = tables.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes((tables[mid] as TableMeta).largestKey, smallest) < 0) lo = mid + 1;
    else hi = mid;
  }
  const out: TableMeta[] = [];
  for (let i = lo; i < tables.length && compareBytes((tables[i] as TableMeta).smallestKey, largest) <= 0; i++) out.push(tables[i] as TableMeta);
  return out;
}

/** Smallest and largest user key over `tables` (non-empty). */
function rangeOf(tables: readonly TableMeta[]): [Uint8Array, Uint8Array] {
  let smallest = (tables[0] as TableMeta).smallestKey;
  let largest = (tables[0] as TableMeta).largestKey;
  for (const t of tables) {
    if (compareBytes(t.smallestKey, smallest) < 0) smallest = t.smallestKey;
    if (compareBytes(t.largestKey, largest) > 0) largest = t.largestKey;
  }
  return [smallest, largest];
}

/**
 * Adds neighbours in a sorted level that share a boundary user key with the
 * inputs (invariant 1): versions of one user key split over two tables must
 * move down together, or the older one would be left above the newer.
 */
function expandToUserKeyBoundaries(level: readonly TableMeta[], inputs: TableMeta[]): TableMeta[] {
  const chosen = new Set(inputs);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < level.length; i++) {
      const t = level[i] as TableMeta;
      if (!chosen.has(t)) continue;
      const prev = level[i - 1];
      const next = level[i + 1];
      if (prev !== undefined && !chosen.has(prev) && compareBytes(prev.largestKey, t.smallestKey) === 0) {
        chosen.add(prev);
        changed = true;
      }
      if (next !== undefined && !chosen.has(next) && compareBytes(next.smallestKey, t.largestKey) === 0) {
        chosen.add(next);
        changed = true;
      }
    }
  }
  return level.filter((t) => chosen.has(t));
}

/** The table whose overlap with the next level is smallest relative to its own size (ties: the first). */
function pickFileByOverlapRatio(level: readonly TableMeta[], next: readonly TableMeta[]): TableMeta {
  let best = level[0] as TableMeta;
  let bestRatio = Infinity;
  for (const t of level) {
    const overlap = levelBytes(overlappingTables(next, t.smallestKey, t.largestKey, true));
    const ratio = overlap / Math.max(1, t.sizeBytes);
    if (ratio < bestRatio) {
      best = t;
      bestRatio = ratio;
    }
  }
  return best;
}
