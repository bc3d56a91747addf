// The code of the MerkleError a call throws: `undefined` when it returns, and a
// recognisable string when it throws something else, so a test can assert the
// exact code in one line and a wrong kind of error still fails it.
import { isMerkleError } from '../src/errors.js';

export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isMerkleError(error) ? error.code : `not a MerkleError: ${String(error)}`;
  }
  return undefined;
}
