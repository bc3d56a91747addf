/**
 * The process's runtime figures: event-loop delay and garbage-collection
 * pauses, which is where a Node server's latency tail comes from when its
 * handlers are short.
 *
 * Event-loop delay is `perf_hooks.monitorEventLoopDelay` (libuv samples how
 * late a timer fires, every `eventLoopSampleMs`); GC pauses come from a
 * `PerformanceObserver` on `gc` entries, bucketed as the request latency is.
 * Both cover the whole process since the monitor started (one node per
 * process in production; nodes sharing a test process share the figures).
 * These are the `/status` `runtime` figures; /metrics takes the process's
 * from prom-client (process-metrics.ts), which the constructor installs.
 *
 * Concurrency model: the observer callback and the renderers run on the
 * event loop; the histogram is filled natively.
 *
 * Invariants:
 *   1. Counters only grow until `stop`; after `stop` the figures are frozen.
 *   2. GC buckets are the fixed `gcPauseBucketsSeconds`, so nodes aggregate.
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { Histogram } from './histogram.js';
import { processRegistry } from './process-metrics.js';
import { eventLoopSampleMs, gcPauseBucketsSeconds } from './limits.js';

/** Event-loop delay percentiles in ms, since the monitor started. */
export interface EventLoopDelay {
  readonly samples: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** GC pauses since the monitor started. */
export interface GcPauses {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/** What /status shows under `runtime`. */
export interface RuntimeStatus {
  readonly eventLoopDelay: EventLoopDelay;
  readonly gc: GcPauses;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

const nsPerMs = 1e6;

/**
 * Watches this process's event loop and GC.
 *
 * When to use: one per node, started with it and stopped with it (`stop`
 * disables the native histogram and the observer, so a stopped node keeps
 * nothing alive).
 */
export class RuntimeMonitor {
  private readonly delay: IntervalHistogram;
  private readonly observer: PerformanceObserver;
  /** GC pauses in seconds; the count and total of `gc()` are its count and sum. */
  private readonly gcPauses = new Histogram(gcPauseBucketsSeconds);
  private gcMaxMs = 0;

  constructor() {
    // The process's /metrics collectors (prom-client), installed once per process: GC pauses count from the first node's start.
    processRegistry();
    this.delay = monitorEventLoopDelay({ resolution: eventLoopSampleMs });
    this.delay.enable();
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.recordGc(entry.duration);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Records one GC pause of `ms` milliseconds (the observer's callback; public for tests). */
  recordGc(ms: number): void {
    this.gcPauses.observe(ms / 1000);
    if (ms > this.gcMaxMs) this.gcMaxMs = ms;
  }

  /** Event-loop delay since start. Before the first sample every figure is 0. */
  eventLoopDelay(): EventLoopDelay {
    const h = this.delay;
    const samples = h.count;
    if (samples === 0) return { samples: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    const ms = (ns: number): number => Math.round((ns / nsPerMs) * 1000) / 1000;
    return { samples, meanMs: ms(h.mean), p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), p999Ms: ms(h.percentile(99.9)), maxMs: ms(h.max) };
  }

  gc(): GcPauses {
    return { count: this.gcPauses.count, totalMs: Math.round(this.gcPauses.sum * 1e6) / 1000, maxMs: Math.round(this.gcMaxMs * 1000) / 1000 };
  }

  status(): RuntimeStatus {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    return {
      eventLoopDelay: this.eventLoopDelay(),
      gc: this.gc(),
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
    };
  }

  stop(): void {
    this.delay.disable();
    this.observer.disconnect();
  }
}
