/** Leveled compaction (contract B): the picker and the compaction job. */
export type { CompactionContext, CompactionOptions, CompactionPlan, CompactionResult, LevelTables } from './types.js';
export { pickCompaction, planFor, levelScores, maxBytesForLevel, levelBytes, overlappingTables, GRANDPARENT_OVERLAP_FACTOR } from './picker.js';
export { runCompaction } from './compaction-job.js';
