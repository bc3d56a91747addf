/**
 * Signal handling for apps: the library never installs handlers itself
 * (embedding code decides what a signal means), so `ringkv start` calls this.
 */
import type { RingkvNode } from './node.js';

/** Options of `stopOnSignals`. */
export interface StopOnSignalsOptions {
  /** Signals that stop the node (default SIGINT and SIGTERM). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called after a graceful stop with its error, if any; default: exit 0 (or 1 on error). */
  readonly onStopped?: (error: unknown) => void;
}

/**
 * Stops `node` gracefully on the first signal; a second signal exits at once
 * with code 130. Returns a function that removes the handlers.
 *
 * When to use: in a process whose job is running one node.
 * Gotcha: the default `onStopped` calls `process.exit`.
 */
export function stopOnSignals(node: RingkvNode, options: StopOnSignalsOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const onStopped = options.onStopped ?? ((error: unknown) => process.exit(error === undefined ? 0 : 1));
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    node.stop().then(
      () => onStopped(undefined),
      (error: unknown) => onStopped(error ?? new Error('stop failed')),
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
