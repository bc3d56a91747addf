// @ringkv/vclock: version vectors, their pruning, and dotted version vector
// sets (the per-key sibling container). Pure: no I/O, no clocks, no timers.
export {
  emptyClock,
  fromObject,
  toObject,
  get,
  increment,
  merge,
  compare,
  descends,
  equals,
  withoutTimestamps,
  checkActor,
  checkClock,
} from './clock.js';
export type { ClockEntry, VClock, Ordering } from './clock.js';
export { encodeClock, decodeClock, encodeContext, decodeContext } from './codec.js';
export { prune } from './prune.js';
export type { PruneOptions, PruneResult } from './prune.js';
export {
  empty,
  update,
  sync,
  values,
  context,
  siblingCount,
  isTombstoneOnly,
  reconcile,
  checkDvvSet,
  live,
  tombstone,
} from './dvvset.js';
export type { DvvSet, DvvEntry, Dot, Payload, Sibling, UpdateOptions } from './dvvset.js';
export { isExpired, isVisible, visibleSiblings, isTombstoneOnlyAt, isTombstoneOrExpiringOnly } from './expiry.js';
export { VclockError, isVclockError } from './errors.js';
export type { VclockErrorCode } from './errors.js';
export * as limits from './limits.js';
