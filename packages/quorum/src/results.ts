/**
 * The results of coordinated requests: discriminated unions on `status`.
 */
import type { Dot, DvvSet, Sibling, VClock } from '@ringkv/vclock';
import type { Receipt } from './receipt.js';

/**
 * Why a quorum was not met:
 * - `too-few-replicas`: fewer targets than W (or R) before sending anything (strict:
 *   fewer primaries up; sloppy: fewer healthy nodes than W or R in the ring).
 * - `replicas-failed`: enough replicas refused or were unreachable that W (or R) could no longer be reached.
 */
export type NotMetReason = 'too-few-replicas' | 'replicas-failed';

/**
 * The result of a put or delete.
 *
 * - `ok`: at least W replicas (the coordinator included) acknowledged durably.
 * - `quorum-not-met`: fewer than W durable copies were confirmed and no more can
 *   be. With `maybeWritten: false` nothing was written anywhere (refused before
 *   the coordinator's own write). With `maybeWritten: true` the coordinator's copy
 *   and possibly some replicas' hold the write: a later read may or may not see
 *   it, and read repair, hints or anti-entropy may spread it. It is not rolled back.
 * - `indeterminate`: the deadline passed first. The write may or may not have
 *   been applied anywhere; retrying with the same context is safe (a duplicate
 *   becomes a sibling, never a loss).
 *
 * `dot`/`context`/`set` describe the coordinator's write when it happened.
 */
export type WriteResult<V> =
  | {
      readonly status: 'ok';
      readonly acks: number;
      readonly required: number;
      readonly dot: Dot;
      readonly context: VClock;
      readonly set: DvvSet<V>;
      /** Absent when the call asked for none (`receipt: false`). */
      readonly receipt?: Receipt;
    }
  | {
      readonly status: 'quorum-not-met';
      readonly acks: number;
      readonly required: number;
      readonly reason: NotMetReason;
      readonly maybeWritten: boolean;
      readonly dot?: Dot;
      readonly context?: VClock;
      /** Absent when the call asked for none (`receipt: false`). */
      readonly receipt?: Receipt;
    }
  | {
      readonly status: 'indeterminate';
      readonly acks: number;
      readonly required: number;
      readonly dot?: Dot;
      readonly context?: VClock;
      /** Absent when the call asked for none (`receipt: false`). */
      readonly receipt?: Receipt;
    };

/**
 * The result of a get.
 *
 * - `ok`: R replicas answered; `siblings` are the live versions of their merged
 *   set (tombstones included: a delete that is a sibling shows as one), `found`
 *   is true when one of them is a value, `context` is what the client passes
 *   back with its next write.
 * - `quorum-not-met`: fewer than R replies are possible.
 * - `indeterminate`: the deadline passed before R replies.
 */
export type ReadResult<V> =
  | {
      readonly status: 'ok';
      readonly replies: number;
      readonly required: number;
      readonly found: boolean;
      readonly siblings: readonly Sibling<V>[];
      readonly context: VClock;
      readonly set: DvvSet<V>;
      readonly receipt: Receipt;
    }
  | {
      readonly status: 'quorum-not-met';
      readonly replies: number;
      readonly required: number;
      readonly reason: NotMetReason;
      readonly receipt: Receipt;
    }
  | {
      readonly status: 'indeterminate';
      readonly replies: number;
      readonly required: number;
      readonly receipt: Receipt;
    };
