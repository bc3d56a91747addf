/**
 * Versions: immutable snapshots of which tables are live at each level.
 *
 * A flush or compaction never edits a version; it builds the next one. Reads
 * and iterators pin the version they started on (`refs`), and a table file
 * is deleted only when no pinned version names it, so an iterator keeps
 * reading tables a compaction has since replaced.
 *
 * Invariants:
 *   1. levels[0] is newest first (by largest seq); tables of levels[i > 0] are
 *      sorted by smallest key and their key ranges do not overlap.
 *   2. A table file number appears in at most one level of a version.
 */
import { compareBytes } from '../format/internal.js';
import type { TableMeta } from '../sstable/index.js';

export class Version {
  /** Iterators and snapshots currently reading this version. */
  refs = 0;
  constructor(readonly levels: readonly (readonly TableMeta[])[]) {}

  /** Every file number in this version. */
  fileNumbers(): number[] {
    return this.levels.flatMap((l) => l.map((t) => t.fileNumber));
  }

  /** Tables of levels > 0 (level `level`) whose range may hold `key`: at most one (invariant 1). */
  tableFor(level: number, key: Uint8Array): TableMeta | undefined {
    const tables = this.levels[level] ?? [];
    let lo = 0;
    let hi = tables.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes((tables[mid] as TableMeta).largestKey, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    const t = tables[lo];
    return t !== undefined && compareBytes(t.smallestKey, key) <= 0 ? t : undefined;
  }

  /** True if no level deeper than `level` has a table whose range holds `key`. */
  isBaseLevelForKey(level: number, key: Uint8Array): boolean {
    for (let l = level + 1; l < this.levels.length; l++) if (this.tableFor(l, key)) return false;
    return true;
  }

  /** Bytes of tables per level. */
  levelBytes(): number[] {
    return this.levels.map((l) => l.reduce((n, t) => n + t.sizeBytes, 0));
  }
}

/** The version after flushing `table` into L0 (newest first). */
export function withFlushed(v: Version, table: TableMeta): Version {
  const levels = v.levels.map((l) => l.slice());
  (levels[0] as TableMeta[]).unshift(table);
  return new Version(levels);
}

/** The version after a compaction removed `removed` and wrote `outputs` to `outputLevel`. */
export function withCompacted(v: Version, removed: readonly TableMeta[], outputs: readonly TableMeta[], outputLevel: number): Version {
  const gone = new Set(removed.map((t) => t.fileNumber));
  const levels = v.levels.map((l) => l.filter((t) => !gone.has(t.fileNumber)));
  const target = levels[outputLevel] as TableMeta[];
  if (outputLevel === 0) {
    target.unshift(...outputs);
  } else {
    target.push(...outputs);
    target.sort((a, b) => compareBytes(a.smallestKey, b.smallestKey));
  }
  return new Version(levels);
}

/** An empty version with `levels` levels. */
export function emptyVersion(levels: number): Version {
  return new Version(Array.from({ length: levels }, () => []));
}
