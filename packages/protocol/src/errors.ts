/**
 * Typed protocol errors and the table that says, for each code, whether the
 * connection must be closed and with which WebSocket close code.
 *
 * Invariants:
 *   1. Every `ProtocolError` gets its close code from `errorCodeTable` through
 *      the one builder `protocolError`, so the server, the SDK and the docs
 *      can never disagree about a code's consequences.
 *   2. Codes are stable strings: once published, a code keeps its meaning.
 *   3. Messages start with `protocol: `.
 */

/** Every error code that can appear in an `error` frame or a `ProtocolError`. */
export type ProtocolErrorCode =
  | 'frame-too-large'
  | 'malformed-frame'
  | 'limit-exceeded'
  | 'invalid-message'
  | 'unknown-type'
  | 'unsupported-version'
  | 'hello-required'
  | 'key-too-large'
  | 'value-too-large'
  | 'context-too-large'
  | 'too-many-siblings'
  | 'condition-failed'
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'too-many-in-flight'
  | 'timeout'
  | 'unavailable'
  | 'quorum-not-met'
  | 'shutting-down'
  | 'internal';

/** What one error code means for the connection and for the request. */
export interface ErrorCodeInfo {
  /** WebSocket close code the receiver of the bad frame closes with; `undefined` keeps the connection open. */
  readonly closeCode: number | undefined;
  /** True when the request may have taken effect anyway (a write that timed out): retry only if it is idempotent. */
  readonly indeterminate: boolean;
  /** True when the same request may succeed if sent again later. */
  readonly retryable: boolean;
  /** One sentence for docs and the SDK. */
  readonly description: string;
}

/** 1001: the endpoint is going away (server shutdown). */
export const closeGoingAway = 1001;
/** 1002: the peer broke the protocol (wrong version, request before hello). */
export const closeProtocolError = 1002;
/** 1007: the frame's data is inconsistent with its type (not MessagePack). */
export const closeInvalidData = 1007;
/** 1008: the frame violates policy (authentication). */
export const closePolicyViolation = 1008;
/** 1009: the frame is too big (or too deep / too long) to process. */
export const closeMessageTooBig = 1009;

function info(
  closeCode: number | undefined,
  retryable: boolean,
  description: string,
  indeterminate = false,
): ErrorCodeInfo {
  return Object.freeze({ closeCode, indeterminate, retryable, description });
}

/**
 * The table of every code: close code, retry advice, description. Exported
 * for the SDK (to classify errors) and for docs/format/wire.md.
 */
export const errorCodeTable: Readonly<Record<ProtocolErrorCode, ErrorCodeInfo>> = Object.freeze({
  'frame-too-large': info(closeMessageTooBig, false, 'The frame is larger than frameBytesMax; refused before decoding.'),
  'malformed-frame': info(closeInvalidData, false, 'The frame is not exactly one well-formed MessagePack value (truncated, trailing bytes, reserved byte 0xc1, a declared length beyond the frame).'),
  'limit-exceeded': info(closeMessageTooBig, false, 'The frame nests deeper, or holds longer or more arrays and maps, than the envelope allows.'),
  'invalid-message': info(undefined, false, 'The frame is MessagePack but does not match the message schema (missing field, wrong type, extension type, integer out of range).'),
  'unknown-type': info(undefined, false, 'The message type (or kind) is not one this protocol version defines.'),
  'unsupported-version': info(closeProtocolError, false, 'The frame version or the protocolVersion in hello is not supported by the receiver.'),
  'hello-required': info(closeProtocolError, false, 'A request arrived before a successful hello.'),
  'key-too-large': info(undefined, false, 'The key is longer than keyBytesMax.'),
  'value-too-large': info(undefined, false, 'The value is longer than valueBytesMax.'),
  'context-too-large': info(undefined, false, 'The causal context is longer than contextBytesMax.'),
  'too-many-siblings': info(
    undefined,
    false,
    'The write would leave more than siblingsMax concurrent versions of the key (each write without a context adds one); nothing was written. Read the key and write with its context (or use update) to replace the siblings.',
  ),
  'condition-failed': info(
    undefined,
    false,
    "A conditional write's condition did not hold on the replicas the coordinator read (ifAbsent: the key holds a value; ifMatch: it holds a version the context does not cover); nothing was written. The error carries the versions read (`current`: found, siblings, context).",
  ),
  unauthorized: info(closePolicyViolation, false, 'The hello carried no valid auth token, or the token was revoked.'),
  forbidden: info(undefined, false, "The connection's token does not allow this request: its role (read, write, admin) or its key prefix."),
  'rate-limited': info(undefined, true, "The connection's token is over its requests or bytes per second; nothing was done. `retryAfterMs` says when to retry."),
  'too-many-in-flight': info(undefined, true, 'The connection has too many requests in flight; wait for replies before sending more.'),
  timeout: info(undefined, true, 'The request did not complete in time; a write may still have been applied.', true),
  unavailable: info(undefined, true, 'Not enough replicas are reachable to try the request.'),
  'quorum-not-met': info(undefined, true, 'Fewer than R (or W) replicas answered; a write may have been applied on some replicas.', true),
  'shutting-down': info(closeGoingAway, true, 'The node is shutting down; reconnect to another node.'),
  internal: info(undefined, false, 'The node failed unexpectedly while serving the request.', true),
});

/** The codes in table order (for iteration in docs and tests). */
export const protocolErrorCodes: readonly ProtocolErrorCode[] = Object.freeze(
  Object.keys(errorCodeTable) as ProtocolErrorCode[],
);

/** True when `code` is one of the codes this version defines. */
export function isProtocolErrorCode(code: unknown): code is ProtocolErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCodeTable, code);
}

/**
 * What a `condition-failed` error carries: the key's versions as the
 * coordinator read them (the shape of a get result), so the client can
 * decide and retry with `context`.
 */
export interface CurrentVersions {
  readonly found: boolean;
  readonly siblings: readonly ({ readonly value: Uint8Array; readonly valueEncoding?: 'msgpack' } | { readonly tombstone: true })[];
  readonly context: Uint8Array;
}

/**
 * An operating condition of the protocol: a bad frame, a refused request or a
 * failure the node reported in an `error` frame.
 *
 * Build it with `protocolError` so `closeCode` always comes from the table.
 * `requestId` is set when the error concerns one request (a bad request whose
 * id could still be read, or an error frame that named one).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly closeCode: number | undefined,
    readonly requestId: number | undefined,
    options?: { cause?: unknown },
    /** For `rate-limited`: milliseconds until the request would be admitted. */
    readonly retryAfterMs?: number,
    /** For `condition-failed`: the versions the coordinator read. */
    readonly current?: CurrentVersions,
  ) {
    super(`protocol: ${message}`, options);
  }
}

/**
 * The one builder of `ProtocolError`: attaches the close code of `code` from
 * `errorCodeTable`. `message` is the detail, without the `protocol: ` prefix.
 */
export function protocolError(
  code: ProtocolErrorCode,
  message: string,
  options: { requestId?: number | undefined; cause?: unknown; retryAfterMs?: number | undefined; current?: CurrentVersions | undefined } = {},
): ProtocolError {
  const cause = options.cause === undefined ? undefined : { cause: options.cause };
  return new ProtocolError(code, message, errorCodeTable[code].closeCode, options.requestId, cause, options.retryAfterMs, options.current);
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isProtocolError(error: unknown): error is ProtocolError {
  return error instanceof Error && error.name === 'ProtocolError' && isProtocolErrorCode((error as ProtocolError).code);
}
