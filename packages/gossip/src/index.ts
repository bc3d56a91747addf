/**
 * @ringkv/gossip: cluster membership by push-pull gossip, with failure
 * detection confirmed by several reporters. Runs only on the injected
 * `Clock`, `Random` and `Transport` ports.
 */
export { Gossip } from './gossip.js';
export type { GossipEvent, GossipOptions, GossipStats, MemberSnapshot, MemberStatus, ChangedField } from './types.js';
export type { Clock, Random, Transport } from './ports.js';
export type { OwnStatus, SuspectReport, MemberDelta, Digest } from './state.js';
export type { GossipMessage, SynMessage, AckMessage, Ack2Message } from './messages.js';
export { parseMessage } from './messages.js';
export { GossipError, isGossipError } from './errors.js';
export type { GossipErrorCode } from './errors.js';
export {
  gossipIntervalMsDefault,
  fanoutDefault,
  fanoutMax,
  suspectTimeoutMsDefault,
  reportersMinDefault,
  suspectsPublishedMax,
  membersMax,
  deltasPerMessageMax,
  leftRetentionMsDefault,
  leaveAnnounceRounds,
  removeVersionGap,
  seedRetryMsInitial,
  seedRetryMsMax,
  stalenessRoundsMax,
  idLengthMax,
  addressLengthMax,
  zoneLengthMax,
  metaLengthMax,
  dcLengthMax,
  machineLengthMax,
  vnodesMax,
  weightMax,
  clusterNameLengthMax,
} from './limits.js';
