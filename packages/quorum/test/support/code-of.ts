import { isQuorumError } from '@ringkv/quorum';

/** The QuorumError code `fn` throws ('other' for any other error), or undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isQuorumError(error) ? error.code : 'other';
  }
  return undefined;
}
