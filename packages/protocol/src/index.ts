// @ringkv/protocol: wire messages of ringkv (types, MessagePack codec, validation, limits), shared by the node and the SDK.
export { WireCodec } from './codec.js';
export type { DecodeResult, PackedValue, ValueResult, WireCodecOptions } from './codec.js';
export {
  ProtocolError,
  closeGoingAway,
  closeInvalidData,
  closeMessageTooBig,
  closePolicyViolation,
  closeProtocolError,
  errorCodeTable,
  isProtocolError,
  isProtocolErrorCode,
  protocolError,
  protocolErrorCodes,
} from './errors.js';
export type { CurrentVersions, ErrorCodeInfo, ProtocolErrorCode } from './errors.js';
export { errorFrame, errorFrameFor, errorFromFrame } from './error-frames.js';
export { checkHelloVersion, supportedVersions } from './handshake.js';
export type { SupportedVersions } from './handshake.js';
export {
  authTokenBytesMax,
  batchOpsMaxDefault,
  contextBytesMaxDefault,
  defaultLimits,
  errorCodeBytesMax,
  errorMessageBytesMax,
  frameBytesMaxDefault,
  keyBytesMaxDefault,
  nameBytesMax,
  protocolVersionMax,
  receiptReplicasMax,
  ringMembersMax,
  replicasMax,
  requestIdMax,
  retryAfterMsMax,
  peerBatchMessagesMax,
  resolveLimits,
  scanKeysPerCallMax,
  scanLimitDefault,
  scanLimitMax,
  siblingsMaxDefault,
  timeoutMsMax,
  ttlMsMax,
  valueBytesMaxDefault,
  valueBytesMaxFor,
  valueBytesOf,
  valueHeaderBytesMax,
  valueContainersMaxDefault,
  valueDepthMaxDefault,
  treeBucketsLog2Max,
  treeGroupBytesMax,
  treeIndicesMax,
} from './limits.js';
export type { ProtocolLimits } from './limits.js';
export { FRAME_VERSION, MessageKind, PROTOCOL_VERSION, consistencyLevels, isClientRequest, isNamedConsistencyLevel, isNodePush, isNodeReply, messageTypes } from './messages.js';
export type {
  ScanOkMessage,
  ScanRequest,
  AdvertisedLimits,
  BatchOkMessage,
  BatchOp,
  BatchRequest,
  BatchResult,
  ClientRequest,
  ConsistencyLevel,
  NamedConsistencyLevel,
  DeleteOkMessage,
  DeleteRequest,
  ErrorMessage,
  GetOkMessage,
  GetRequest,
  GetResult,
  HelloMessage,
  HelloOkMessage,
  Key,
  Message,
  MessageType,
  NodeReply,
  PutOkMessage,
  PutRequest,
  RequestOptions,
  RingChangedMessage,
  RingMember,
  RingMemberStatus,
  RingOkMessage,
  RingRequest,
  Sibling,
  WireReceipt,
  WireReceiptReplica,
  ValueEncoding,
} from './messages.js';
export { PeerCodec, PEER_PROTOCOL_VERSION, peerMessageTypes } from './peer.js';
export { topologyMessageTypes } from './peer-topology.js';
export { relayMessageTypes } from './relay.js';
export type { RelayMessage, RelayOkMessage } from './relay.js';
export { isBatchableCall, isBatchableReply } from './peer-batch.js';
export type { BatchableCall, BatchableReply, PeerBatchMessage } from './peer-batch.js';
export type { RangeStatsMessage, RangeStatsOkMessage, StreamCheckMessage, StreamPushMessage, StreamRangeMessage, TopologyMessage } from './peer-topology.js';
export type {
  ApplyMessage,
  ApplyOkMessage,
  FetchMessage,
  FetchOkMessage,
  ForwardMessage,
  ForwardOkMessage,
  GossipPeerMessage,
  KeySetsMessage,
  PeerCall,
  PeerDecodeResult,
  CheckedBatchMessage,
  PeerErrorMessage,
  PeerHelloMessage,
  PeerHelloOkMessage,
  PeerMessage,
  RangeSetsMessage,
  RangeSetsOkMessage,
  SyncSetsMessage,
  SyncSetsOkMessage,
  TreeNodesMessage,
  TreeNodesOkMessage,
} from './peer.js';
export { cursorVersion, decodeCursor, encodeCursor, scanPointBytesMax } from './key-listing.js';
export type { ScanRangeMessage } from './key-listing.js';
export { StructureScanner } from './scan.js';
export type { ScanIssue, ScanLimits } from './scan.js';
export { isWellFormedUtf16, utf8ByteLength } from './utf8.js';
export {
  LengthPrefixedReader,
  checkTcpPreamble,
  joinLengthPrefixed,
  lengthPrefixedBytes,
  TurnWriter,
  type TurnSink,
  type TurnWriterOptions,
  tcpLengthPrefixBytes,
  tcpPreamble,
} from './tcp-framing.js';
export type { PreambleCheck } from './tcp-framing.js';
