/**
 * Typed errors of the SDK: every failure a caller can see is a `RingkvError`
 * with a stable `code`.
 *
 * Invariants:
 *   1. Codes are the protocol's codes (an `error` frame from the node keeps
 *      its code) plus the SDK's own: `connection-closed`, `not-connected`,
 *      `closed`, `invalid-argument` and `conflict`.
 *   2. `indeterminate` is true only for a write (put, delete) that may have
 *      been applied: it was sent and no definite answer came back (timeout,
 *      connection lost, quorum not met, internal). Reads and requests that
 *      were never sent are never indeterminate.
 *   3. Messages start with `client-sdk: `; indeterminate ones say the write
 *      may have happened.
 */

import { errorCodeTable, isProtocolErrorCode, type ProtocolErrorCode } from '@ringkv/protocol';
import type { GetResult } from './types.js';

/**
 * Every code a `RingkvError` may carry: the protocol's codes (see
 * docs/format/wire.md) and the SDK's own.
 */
export type RingkvErrorCode =
  | ProtocolErrorCode
  /** The connection carrying the request closed before its reply arrived. */
  | 'connection-closed'
  /** No connection to any seed could be opened (or kept) in time. */
  | 'not-connected'
  /** `close()` was called: the client sends nothing more. */
  | 'closed'
  /** The caller passed something the SDK cannot send (bad seed URL, option out of range). */
  | 'invalid-argument'
  /** `update` met a new sibling after every allowed retry. */
  | 'conflict';

const sdkCodes: ReadonlySet<string> = new Set(['connection-closed', 'not-connected', 'closed', 'invalid-argument', 'conflict']);

/** Details attached to a `RingkvError`. */
export interface RingkvErrorOptions {
  /** True when a write may have been applied although it did not succeed (see invariant 2). */
  readonly indeterminate?: boolean;
  /** The WebSocket close code that ended the connection, if any. */
  readonly closeCode?: number;
  /** With `rate-limited`: milliseconds until the node would admit the request. */
  readonly retryAfterMs?: number;
  /** With `condition-failed`: the key's versions as the coordinator read them. */
  readonly current?: GetResult<unknown>;
  readonly cause?: unknown;
}

/**
 * The one error type of the SDK.
 *
 * When to use: catch it around every call and branch on `code` (or on
 * `indeterminate` for writes; `retryable` says whether the same call may
 * succeed later).
 * Gotchas: a `timeout` of a write is *not* a failure: the node may have
 * stored it; read the key again before deciding.
 */
export class RingkvError extends Error {
  override readonly name = 'RingkvError';
  readonly code: RingkvErrorCode;
  readonly indeterminate: boolean;
  readonly closeCode: number | undefined;
  /** With `rate-limited`: how long to wait before retrying (the node's token bucket says when it would admit the request). */
  readonly retryAfterMs: number | undefined;
  /**
   * With `condition-failed`: the key's versions as the coordinator read
   * them (values decoded as a get's), and the `context` to retry with.
   */
  readonly current: GetResult<unknown> | undefined;

  constructor(code: RingkvErrorCode, message: string, options: RingkvErrorOptions = {}) {
    const indeterminate = options.indeterminate ?? false;
    const tail = indeterminate ? ' (indeterminate: the write may have happened; read the key before retrying)' : '';
    super(`client-sdk: ${message}${tail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.indeterminate = indeterminate;
    this.closeCode = options.closeCode;
    this.retryAfterMs = options.retryAfterMs;
    this.current = options.current;
  }

  /** True when sending the same request again later may succeed (indeterminate writes: only if idempotent). */
  get retryable(): boolean {
    if (isProtocolErrorCode(this.code)) return errorCodeTable[this.code].retryable;
    return this.code === 'connection-closed' || this.code === 'not-connected';
  }
}

/** True for an error raised by this package; checks the name, not `instanceof`, so it works across copies of the package. */
export function isRingkvError(error: unknown): error is RingkvError {
  if (!(error instanceof Error) || error.name !== 'RingkvError') return false;
  const code = (error as RingkvError).code;
  return isProtocolErrorCode(code) || sdkCodes.has(code);
}

/** The error for a protocol code received from the node (or found in its frames), for a request that was or was not a write. */
export function fromProtocolCode(
  code: ProtocolErrorCode,
  message: string,
  write: boolean,
  options: { closeCode?: number; cause?: unknown; retryAfterMs?: number | undefined } = {},
): RingkvError {
  const indeterminate = write && errorCodeTable[code].indeterminate;
  return new RingkvError(code, message, { ...options, indeterminate });
}
