/**
 * Every bound of the simulation kit, units last in the names.
 */

/**
 * Timers one `runUntil`/`runUntilIdle` call may fire before it gives up with
 * `step-limit`. Ten million is minutes of a 100-node gossip cluster; a run that
 * needs more is almost always a predicate that never becomes true.
 */
export const runStepsMax = 10_000_000;

/**
 * Trace lines kept in memory for `traceTail()` (the hash covers every line).
 * Enough to read the last few seconds of a failing run without holding a
 * whole run's trace in memory.
 */
export const traceKeptLinesDefault = 1_000;

/** The longest single delay a timer or a link may add: a day of simulated time, so a typo (seconds as ms × 1000) fails loudly. */
export const delayMsMax = 86_400_000;

/** Nesting depth the structural size estimator follows before it treats a value as cyclic. */
export const sizeDepthMax = 64;
