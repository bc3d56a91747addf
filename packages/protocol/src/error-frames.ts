/**
 * Conversions between `ProtocolError` and `error` frames, so the node and the
 * SDK agree on what an error frame says.
 *
 * Invariant: `errorFromFrame(errorFrame(e))` has the code, request id and
 * close code of `e`, and its message (without the `protocol: ` prefix).
 */

import { protocolError, type ProtocolError, type ProtocolErrorCode } from './errors.js';
import { errorMessageBytesMax } from './limits.js';
import type { ErrorMessage } from './messages.js';
import { truncateUtf8 } from './utf8.js';

const prefix = 'protocol: ';

/**
 * The `error` frame that reports `error` to the peer. `requestId` overrides
 * the error's own id (for a request the node refused on its own). The message
 * is cut to `errorMessageBytesMax` bytes so the frame always encodes.
 */
export function errorFrame(error: ProtocolError, requestId: number | undefined = error.requestId): ErrorMessage {
  const text = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const message = truncateUtf8(text, errorMessageBytesMax);
  const frame: ErrorMessage = requestId === undefined ? { type: 'error', code: error.code, message } : { type: 'error', id: requestId, code: error.code, message };
  const timed = error.retryAfterMs === undefined ? frame : { ...frame, retryAfterMs: Math.max(0, Math.ceil(error.retryAfterMs)) };
  return error.current === undefined ? timed : { ...timed, current: error.current };
}

/** An `error` frame as a `ProtocolError` (with the close code of its code), for the SDK to throw or reject with. */
export function errorFromFrame(frame: ErrorMessage): ProtocolError {
  return protocolError(frame.code, frame.message, { requestId: frame.id, retryAfterMs: frame.retryAfterMs, current: frame.current });
}

/** An `error` frame for `code` with a detail message, for the node's own refusals (`timeout`, `quorum-not-met`, …). */
export function errorFrameFor(code: ProtocolErrorCode, message: string, requestId?: number, retryAfterMs?: number): ErrorMessage {
  return errorFrame(protocolError(code, message, { requestId, retryAfterMs }));
}
