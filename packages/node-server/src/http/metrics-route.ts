/**
 * `GET /metrics`: the node's `ringkv_*` families (metrics.ts, anti-entropy,
 * topology and scan figures), then the process and Node runtime families
 * (prom-client, process-metrics.ts), as one Prometheus text exposition.
 *
 * Invariants:
 *   1. Read-only and from memory (routes.ts invariant 1); the process
 *      collectors read `/proc` on Linux, as any exporter does.
 *   2. Every family appears once with one HELP and TYPE (metrics.ts
 *      invariant 4), so `promtool check metrics` accepts the whole answer.
 *   3. A scrape never hangs: the process part settles or is left out.
 */
import type { ServerResponse } from 'node:http';
import type { ServerContext } from '../server/context.js';
import { storageStatus, type StorageEngine } from '../store/engine-port.js';
import { renderAntiEntropy } from '../anti-entropy/metrics.js';
import { renderTopology } from '../topology/metrics.js';
import { renderScans } from '../scan/metrics.js';
import { renderProcessMetrics } from '../process-metrics.js';
import type { MetricsSources } from '../metrics.js';

/** The live figures `Metrics.render` reads, from the node's context. */
export type SourcesOf = (ctx: ServerContext, engine: StorageEngine) => MetricsSources;

/** The whole /metrics text of the node (invariant 2). */
export async function metricsText(ctx: ServerContext, engine: StorageEngine, sources: SourcesOf): Promise<string> {
  const text = ctx.metrics.render(ctx.options.id, sources(ctx, engine));
  const ae = ctx.antiEntropy === undefined ? '' : renderAntiEntropy(ctx.options.id, ctx.antiEntropy);
  const topology = ctx.core === undefined ? '' : renderTopology(ctx.options.id, ctx.core.topology);
  const scans = ctx.core === undefined ? '' : renderScans(ctx.options.id, ctx.core.scans);
  return text + ae + topology + scans + (await renderProcessMetrics());
}

/** Answers `GET /metrics` (`text/plain; version=0.0.4`); a renderer that throws answers 500 (invariant 3). */
export function serveMetrics(ctx: ServerContext, engine: StorageEngine, res: ServerResponse, sources: SourcesOf): void {
  void metricsText(ctx, engine, sources).then(
    (text) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`metrics failed: ${(error as Error).message}\n`);
    },
  );
}
