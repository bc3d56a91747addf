/**
 * The process and Node.js runtime metrics of /metrics (`process_*`,
 * `nodejs_*`: CPU, memory, file descriptors, heap spaces, event-loop lag,
 * GC durations by kind), collected by prom-client's default collectors.
 *
 * Why prom-client here and not for the `ringkv_*` families: these figures
 * are the process's, with the names every Node dashboard expects, and
 * prom-client maintains their collection across Node versions. The
 * `ringkv_*` families stay hand-written (metrics.ts): they are read at
 * scrape time from live node state, and recording a request must not build
 * label strings (prom-client hashes the label object on every observe).
 *
 * Concurrency model: one registry per process, created by the first node
 * and shared by every node in the process (the figures are the process's);
 * collection runs on the event loop when a node renders /metrics.
 *
 * Invariants:
 *   1. The collectors are installed once per process, whatever the number
 *      of nodes started in it: no observer or sampler per node to leak.
 *   2. GC durations use `gcPauseBucketsSeconds` (sub-millisecond buckets),
 *      not prom-client's default, whose first bucket is 1 ms.
 *   3. The event-loop lag gauges cover the time since the previous scrape
 *      (prom-client resets its sampler on each collection).
 *   4. prom-client's `nodejs_active_{handles,requests,resources}_total` are
 *      gauges named like counters, which `promtool check metrics` refuses:
 *      they are removed (the same figures by type remain, without `_total`).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { eventLoopSampleMs, gcPauseBucketsSeconds } from './limits.js';

let registry: Registry | undefined;

/** Invariant 4. */
const gaugesNamedLikeCounters = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Installs the process collectors (invariant 1) and returns their registry.
 *
 * When to use: `RuntimeMonitor` calls it when a node starts, so GC pauses
 * are observed from then on, not from the first scrape.
 */
export function processRegistry(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopSampleMs, gcDurationBuckets: [...gcPauseBucketsSeconds] });
    for (const name of gaugesNamedLikeCounters) registry.removeSingleMetric(name);
  }
  return registry;
}

/** The process families in the Prometheus text format (0.0.4), ending in a newline. Never rejects: a collector that throws is left out. */
export async function renderProcessMetrics(): Promise<string> {
  try {
    return await processRegistry().metrics();
  } catch {
    return '';
  }
}
