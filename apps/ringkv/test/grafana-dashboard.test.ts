/**
 * deploy/grafana/ringkv.json: every PromQL expression of every panel names
 * only metrics a running node exports (its /metrics `# TYPE` families, with
 * the series of histograms), so a rename in node-server cannot leave a panel
 * empty unnoticed; and the dashboard has the panels issue 17 asks for.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployDir, exportedSeries, metricNamesOf } from './support/deploy-files.js';

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: { readonly expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(deployDir, 'grafana', 'ringkv.json'), 'utf8')) as { uid: string; panels: Panel[] };
const dir = mkdtempSync(join(tmpdir(), 'ringkv-grafana-'));
let node: RingkvNode;
let exported: Set<string>;

beforeAll(async () => {
  node = await startNode({ id: 'dash-1', dataDir: join(dir, 'data'), logLevel: 'silent' });
  exported = exportedSeries(await (await fetch(`${node.httpUrl}/metrics`)).text());
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('deploy/grafana/ringkv.json', () => {
  it('metricNamesOf finds the selected metrics and nothing else', () => {
    expect(metricNamesOf('histogram_quantile(0.99, sum by (node, le) (rate(a_bucket{op=~"get|put"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNamesOf('sum(rate(x_total[1m])) / on(node) group_left count(y)')).toEqual(['x_total', 'y']);
  });

  it('every expression names only metrics a node exports', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThan(20);
    for (const { panel, expr } of exprs) {
      const names = metricNamesOf(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${panel}: ${name} is not exported (${expr})`).toBe(true);
    }
  });

  it('has the panels the issue names: cluster ops/s, p99 per node, hints, anti-entropy, storage, event-loop delay', () => {
    const all = dashboard.panels.map((p) => `${p.title} ${(p.targets ?? []).map((t) => t.expr).join(' ')}`);
    const has = (title: RegExp, metric: string): boolean => all.some((p) => title.test(p) && p.includes(metric));
    expect(has(/Cluster ops\/s/, 'ringkv_requests_total')).toBe(true);
    expect(has(/p99 latency per node/, 'histogram_quantile(0.99, sum by (node, le)')).toBe(true);
    expect(has(/Hints pending/, 'ringkv_hints_pending')).toBe(true);
    expect(has(/Anti-entropy/, 'ringkv_ae_keys_repaired_total')).toBe(true);
    expect(has(/Data stored/, 'ringkv_store_bytes')).toBe(true);
    expect(has(/Event-loop delay/, 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(dashboard.uid).toBe('ringkv');
  });
});
