/**
 * How storage and versioning failures reach a client: each becomes a
 * `ProtocolError` whose code tells the client what to do.
 *
 * Invariant: a failure after the engine may have applied a write maps to an
 * indeterminate code (`internal`); failures that prove nothing was applied
 * (`unavailable`, `value-too-large`, `too-many-siblings`, …) are determinate.
 */
import { isLsmError } from '@ringkv/lsm-engine';
import { protocolError, type ProtocolError, isProtocolError } from '@ringkv/protocol';
import { isVclockError } from '@ringkv/vclock';
import { isNodeServerError } from '../errors.js';

/** How to get out of `too-many-siblings`, in every such error's message. */
export const siblingsAdvice = 'Each write without a context adds a sibling: read the key and write with its context (or use update) to replace the siblings.';

/** The protocol error for anything a store operation threw. */
export function toProtocolError(error: unknown): ProtocolError {
  if (isProtocolError(error)) return error;
  if (isVclockError(error)) {
    if (error.code === 'too-many-siblings') {
      // Determinate (nothing was applied); the message says how to get out of it.
      const why = error.message.replace(/^vclock: /, '').replace(/; resolve them.*$/, '');
      return protocolError('too-many-siblings', `${why}; nothing was written. ${siblingsAdvice}`, { cause: error });
    }
    return protocolError('invalid-message', `the context is not one this node issued (${error.message})`, { cause: error });
  }
  if (isNodeServerError(error) && error.code === 'corrupt-record') {
    return protocolError('internal', 'the stored record of this key is corrupt; other keys are unaffected', { cause: error });
  }
  if (isLsmError(error)) return fromLsmError(error.code, error.message, error);
  return protocolError('internal', `unexpected failure: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

function fromLsmError(code: string, message: string, cause: unknown): ProtocolError {
  switch (code) {
    case 'closed':
    case 'no-space':
    case 'write-stall-timeout':
      // Refused before the write was applied: the client may retry elsewhere or later.
      return protocolError('unavailable', `storage refused the write: ${message}`, { cause });
    default:
      // io, corruption: the write may or may not be in the log.
      return protocolError('internal', `storage failed: ${message}`, { cause });
  }
}
