/**
 * Structured logs (pino): one JSON line per event, with the node id on every
 * line. Levels: `info` for lifecycle (started, stopping, stopped), `warn`
 * for clients the node had to cut off, `error` for storage failures, `debug`
 * for per-connection events. Never one line per request: that is what
 * /metrics is for. For a person at a terminal, `prettyLogDestination`
 * (log-pretty.ts) turns the same lines into readable ones.
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

/**
 * Rate limit for log lines an outsider can trigger (refused hellos): at most
 * `linesMax` lines per window of `windowMs`; the first line written after
 * some were dropped carries how many (issue 15: 20,000 refused peer hellos
 * wrote 20,000 lines in 17 s).
 */
export class LogThrottle {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly linesMax: number,
    private readonly windowMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Calls `write` with the number of lines dropped since the last one written, unless this window is full. */
  run(write: (suppressed: number) => void): void {
    const now = this.nowMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.windowStartMs = now;
      this.written = 0;
    }
    if (this.written >= this.linesMax) {
      this.suppressed++;
      return;
    }
    this.written++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    write(suppressed);
  }
}

/** The `suppressed` log field of a throttled line: present only when lines were dropped. */
export function suppressedField(suppressed: number): { suppressed?: number } {
  return suppressed > 0 ? { suppressed } : {};
}
