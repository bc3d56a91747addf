// @ringkv/client-sdk: typed ringkv client for Node and browsers: siblings, contexts, resolvers, timeouts, reconnects.
export { RingkvClient, connect } from './api.js';
export { Namespace } from './namespace.js';
export { RingkvError, isRingkvError } from './errors.js';
export type { RingkvErrorCode, RingkvErrorOptions } from './errors.js';
export { backoffDelayMs } from './backoff.js';
export {
  connectTimeoutMsDefault,
  inFlightMaxDefault,
  queuedMaxDefault,
  reconnectBaseMsDefault,
  reconnectCapMsDefault,
  requestIdMax,
  requestTimeoutMsDefault,
  timeoutMsMax,
  updateRetriesDefault,
  updateRetriesMax,
} from './limits.js';
export { systemClock, systemRandom } from './system.js';
export type { Clock, Random, WebSocketCloseEvent, WebSocketFactory, WebSocketLike, WebSocketMessageEvent } from './ports.js';
export type {
  ClientOptions,
  Context,
  GetResult,
  Key,
  NamespaceCodec,
  NamespaceGetResult,
  NamespaceOptions,
  RequestOpts,
  Sibling,
  UpdateOpts,
  UpdateResult,
  WriteOpts,
  WriteResult,
} from './types.js';
