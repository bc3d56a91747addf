/**
 * The live charts (uPlot): ops/s, p99 latency and errors/s, one line per
 * node, over the last `chartPointsMax` samples.
 *
 * Invariants:
 *   1. Every series has one point per sample (`null` where the node gave no
 *      figure: unreachable, or a first reading), so lines stay aligned.
 *   2. A chart is rebuilt only when the set of nodes changes; otherwise its
 *      data is replaced in place.
 *   3. Each chart's element carries `data-last` (the sum of the last
 *      points) and `data-points`, so a test can see it move without
 *      reading pixels.
 */
import uPlot from 'uplot';
import { chartPointsMax } from '../limits.js';
import { colourOf } from './dom.js';
import type { LiveSample, NodeSample } from '../contract.js';

interface ChartSpec {
  readonly el: HTMLElement;
  readonly title: string;
  readonly unit: string;
  readonly pick: (n: NodeSample) => number | undefined;
}

interface Chart {
  plot: uPlot | undefined;
  ids: string[];
}

const times: number[] = [];
const series = new Map<string, Map<string, (number | null)[]>>();
const charts = new Map<string, Chart>();

function widthOf(el: HTMLElement): number {
  return Math.max(280, el.clientWidth - 8);
}

function build(spec: ChartSpec, ids: string[], data: uPlot.AlignedData): uPlot {
  spec.el.replaceChildren();
  return new uPlot(
    {
      title: spec.title,
      width: widthOf(spec.el),
      height: 170,
      legend: { show: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { label: spec.unit, size: 56 }],
      series: [{}, ...ids.map((id) => ({ label: id, stroke: colourOf(id, ids), width: 2, spanGaps: false }))],
    },
    data,
    spec.el,
  );
}

/** Adds a sample's figures to every chart (invariants). */
export function renderCharts(specs: readonly ChartSpec[], sample: LiveSample): void {
  const ids = sample.nodes.map((n) => n.id).sort();
  times.push(sample.atMs / 1000);
  if (times.length > chartPointsMax) times.shift();
  for (const spec of specs) {
    let perNode = series.get(spec.title);
    if (perNode === undefined) series.set(spec.title, (perNode = new Map()));
    const byId = new Map(sample.nodes.map((n) => [n.id, n]));
    for (const id of new Set([...ids, ...perNode.keys()])) {
      let points = perNode.get(id);
      if (points === undefined) perNode.set(id, (points = Array<number | null>(times.length - 1).fill(null)));
      const n = byId.get(id);
      points.push(n === undefined ? null : (spec.pick(n) ?? null));
      while (points.length > times.length) points.shift();
    }
    const shown = [...perNode.keys()].sort();
    const data = [times.slice(), ...shown.map((id) => (perNode.get(id) as (number | null)[]).slice())] as uPlot.AlignedData;
    const chart = charts.get(spec.title) ?? { plot: undefined, ids: [] };
    charts.set(spec.title, chart);
    if (chart.plot === undefined || chart.ids.join() !== shown.join()) {
      chart.plot?.destroy();
      chart.plot = build(spec, shown, data);
      chart.ids = shown;
    } else chart.plot.setData(data);
    const last = shown.reduce((sum, id) => sum + ((perNode.get(id) as (number | null)[]).at(-1) ?? 0), 0);
    spec.el.dataset['last'] = String(last);
    spec.el.dataset['points'] = String(times.length);
  }
}

/** Fits every chart to its panel's width (on window resize). */
export function resizeCharts(specs: readonly ChartSpec[]): void {
  for (const spec of specs) charts.get(spec.title)?.plot?.setSize({ width: widthOf(spec.el), height: 170 });
}

export type { ChartSpec };
