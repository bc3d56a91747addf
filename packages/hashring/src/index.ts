/**
 * @ringkv/hashring: consistent hashing for ringkv. Keys map to 64-bit ring
 * positions (XXH64); weighted nodes own deterministic tokens; a key's
 * preference list takes, in each data center, its count of distinct machines
 * clockwise (distinct racks first); sloppy lists pair stand-ins with the down primaries they hold
 * hints for; ranges, ownership shares and ring diffs tell a node what it
 * replicates and what must move on a membership change.
 */
export { HashRing, ringDiff } from './ring.js';
export { formatReplication, parseReplication } from './replication.js';
export type { Replication, ReplicationMap } from './replication.js';
export type { HashRingOptions, NodeSpec, RingNode, SloppyEntry } from './ring.js';
export type { NodeRange, Ownership, RangeChange, RingRange } from './ranges.js';
export {
  hashKey,
  hashKeyInto,
  positionBytes,
  positionFromBytes,
  positionFromHex,
  positionMax,
  positionToBytes,
  positionToHex,
} from './position.js';
export type { RingPosition } from './position.js';
export { rangeContains } from './range-contains.js';
export { HashRingError, isHashRingError } from './errors.js';
export type { HashRingErrorCode } from './errors.js';
export {
  dcLengthMax,
  machineLengthMax,
  nodeIdLengthMax,
  nodesMax,
  replicasDefault,
  replicasMax,
  tokensMax,
  vnodesDefault,
  vnodesMax,
  weightMax,
  zoneLengthMax,
} from './limits.js';
