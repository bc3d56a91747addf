/**
 * The cluster summary beside the ring: the agreed settings, the ring, who is
 * down and how many hints wait, as the serving node sees them.
 */
import { h, num, replace } from './dom.js';
import type { LiveSample } from '../contract.js';

/** Redraws the summary. */
export function renderSummary(panel: HTMLElement, sample: LiveSample): void {
  const c = sample.cluster;
  const s = c?.settings;
  const hints = Object.values(c?.hintsPending ?? {}).reduce((a, b) => a + b, 0);
  const unreachable = sample.nodes.filter((n) => !n.reachable).map((n) => n.id);
  const row = (name: string, value: string): HTMLElement => h('tr', {}, h('th', {}, name), h('td', {}, value));
  replace(panel, h('table', { class: 'summary' },
    row('replicas', s === undefined ? '—' : `N = ${s.n} (now ${s.effectiveN}), R = ${s.r}, W = ${s.w}, ${s.mode}`),
    row('ring', `v${sample.ring.version}, ${num(c?.ring?.members)} members owning vnodes`),
    row('down', (c?.down ?? []).join(', ') || 'none'),
    row('unreachable', unreachable.join(', ') || 'none'),
    row(`hints held by ${sample.self}`, num(hints)),
  ));
}
