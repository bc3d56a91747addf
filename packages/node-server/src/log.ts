/**
 * Structured logs (pino): one JSON line per event, with the node id on every
 * line. Levels: `info` for lifecycle (started, stopping, stopped), `warn`
 * for clients the node had to cut off, `error` for storage failures, `debug`
 * for per-connection events. Never one line per request: that is what
 * /metrics is for.
 */
import { pino, type Logger } from 'pino';
import type { ResolvedOptions } from './options.js';

/** The logger type the node uses (pino's). */
export type NodeLogger = Logger;

/** A pino logger for the node, writing to `logDestination` (default stdout). */
export function createLogger(options: Pick<ResolvedOptions, 'id' | 'logLevel' | 'logDestination'>): NodeLogger {
  const config = { level: options.logLevel, base: { node: options.id }, timestamp: pino.stdTimeFunctions.isoTime };
  return options.logDestination === undefined ? pino(config) : pino(config, options.logDestination);
}
