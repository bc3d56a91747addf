/**
 * Conditional writes (issue 18): the check a coordinator makes between its
 * read and its write. README, "Conditional writes", says what is and is not
 * guaranteed; in short, the coordinator reads the key from W replicas of its
 * preference list (R = W), judges the condition on the merged set by its own
 * clock, and only then writes, with a context that covers what it read.
 *
 * Pure: no I/O; core.ts does the read and the write.
 *
 * Invariants:
 *   1. `ifAbsent` holds iff the merged set has no visible value at `nowMs`
 *      (never written, tombstones only, or every value expired); the write
 *      then carries the read's context, so it supersedes those tombstones
 *      and expired versions instead of becoming their sibling.
 *   2. `ifMatch` holds iff the client's context descends the read's context:
 *      every version any of the W replicas holds, live, tombstone or
 *      expired, is one the client had seen when it read. The write carries
 *      the client's context, so it replaces exactly those versions.
 *   3. A refused condition writes nothing and reports the versions read.
 */
import { context as contextOf, descends, visibleSiblings, type VClock } from '@ringkv/vclock';
import type { StoredSet } from '../store/set-codec.js';

/** The condition of a put or delete; `undefined` for an unconditional write. */
export type WriteCondition = 'if-absent' | 'if-match';

/** What the check decided: the context to write with, or the refusal's reason. */
export type ConditionVerdict = { readonly granted: true; readonly context: VClock } | { readonly granted: false; readonly reason: string };

/** The condition an op asks for, if any (the protocol refuses ifAbsent with ifMatch). */
export function conditionOf(op: { readonly ifAbsent?: true; readonly ifMatch?: true }): WriteCondition | undefined {
  if (op.ifAbsent === true) return 'if-absent';
  return op.ifMatch === true ? 'if-match' : undefined;
}

/** Judges `condition` on `set` (the merged read of W replicas) at `nowMs` by this node's clock (invariants 1, 2). */
export function judgeCondition(condition: WriteCondition, set: StoredSet, clientContext: VClock, nowMs: number): ConditionVerdict {
  const read = contextOf(set);
  if (condition === 'if-absent') {
    if (!visibleSiblings(set, nowMs).some((sibling) => !sibling.tombstone)) return { granted: true, context: read };
    return { granted: false, reason: 'ifAbsent: the key holds a value' };
  }
  if (descends(clientContext, read)) return { granted: true, context: clientContext };
  return { granted: false, reason: 'ifMatch: the key holds a version the context does not cover (written since that read)' };
}
