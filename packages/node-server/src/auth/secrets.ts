/** Comparing secrets (tokens, the cluster secret) without leaking through timing. */
import { timingSafeEqual } from 'node:crypto';

/** True when `given` is exactly `expected`, compared in constant time for equal lengths; a missing one is false. */
export function secretsEqual(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
