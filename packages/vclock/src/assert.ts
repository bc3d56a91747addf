/**
 * Assertions for bugs, not for operating conditions: a failed assertion means
 * this package broke one of its own invariants, and the caller should crash
 * rather than store a corrupted clock. Operating conditions are VclockErrors.
 */
export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`vclock: assertion failed: ${what}`);
}
