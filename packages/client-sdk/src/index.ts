// @ringkv/client-sdk: typed ringkv client for Node and browsers: token-aware routing, siblings, contexts, resolvers, timeouts, reconnects.
export { RingkvClient } from './api.js';
export { connect } from './connect.js';
export { Namespace } from './namespace.js';
export { RingTable, placementSpecs } from './ring-table.js';
export { RingkvError, isRingkvError } from './errors.js';
export type { RingkvErrorCode, RingkvErrorOptions } from './errors.js';
export { backoffDelayMs } from './backoff.js';
export {
  connectTimeoutMsDefault,
  inFlightMaxDefault,
  queuedMaxDefault,
  reconnectBaseMsDefault,
  poolConnectionsMaxDefault,
  poolConnectionsMaxLimit,
  reconnectCapMsDefault,
  requestDeadlineGranularityMs,
  requestIdMax,
  requestSlabBytes,
  ringRefreshMsDefault,
  ringRefreshMsMax,
  ringVnodesBase,
  requestTimeoutMsDefault,
  timeoutMsMax,
  updateRetriesDefault,
  updateRetriesMax,
  manyOpsMax,
} from './limits.js';
export { systemClock, systemRandom } from './system.js';
export type { Clock, Random, WebSocketCloseEvent, WebSocketFactory, WebSocketLike, WebSocketMessageEvent } from './ports.js';
export type {
  ClientOptions,
  Consistency,
  Context,
  GetResult,
  Key,
  NamespaceCodec,
  NamespaceGetResult,
  NamespaceOptions,
  Receipt,
  ReceiptReplica,
  RequestOpts,
  RingInfo,
  RingMember,
  Routing,
  Sibling,
  UpdateOpts,
  ManyOutcome,
  ManyWrite,
  RingkvErrorLike,
  UpdateResult,
  WriteOpts,
  PutOpts,
  WriteResult,
} from './types.js';
