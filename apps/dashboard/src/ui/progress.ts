/**
 * The background work panel, per node: anti-entropy (passes, exchanges,
 * keys repaired, tree build), the join/leave stream (ranges done of total,
 * keys, bytes, rate) and cleanup (runs, ranges and keys dropped, pending).
 */
import { bytes, h, num, replace } from './dom.js';
import type { LiveSample } from '../contract.js';

function bar(done: number, total: number): HTMLElement {
  const pct = total <= 0 ? 100 : Math.min(100, (100 * done) / total);
  return h('span', { class: 'bar', title: `${done} of ${total}` }, h('span', { class: 'fill', style: `width:${pct.toFixed(1)}%` }), h('span', { class: 'label' }, `${done}/${total}`));
}

function ago(atMs: number | undefined, nowMs: number): string {
  if (atMs === undefined || atMs === null) return 'never';
  return `${num(Math.max(0, nowMs - atMs) / 1000, 0)} s ago`;
}

/** Redraws the panel. */
export function renderProgress(panel: HTMLElement, sample: LiveSample): void {
  const rows = sample.nodes.map((n) => {
    if (!n.reachable) return h('tr', { 'data-node': n.id }, h('td', {}, n.id), h('td', { colspan: 4, class: 'muted' }, `unreachable: ${n.error}`));
    const ae = n.antiEntropy;
    const t = n.topology;
    const s = t?.stream ?? null;
    return h('tr', { 'data-node': n.id },
      h('td', {}, n.id, t !== undefined && t.self !== 'normal' ? h('span', { class: 'tag' }, t.self) : null),
      h('td', {},
        ae === undefined ? '—' : `${num(ae.passes)} passes, ${num(ae.exchanges)} exchanges (${num(ae.exchangesFailed)} failed), ${num(ae.keysRepaired)} keys repaired, last ${ago(ae.lastPassAtMs, sample.atMs)}`,
        ae?.build?.building === true ? h('div', {}, 'tree build ', bar(Math.round(ae.build.progress * 100), 100)) : null,
      ),
      h('td', {}, s === null ? 'none' : h('div', {}, `${s.direction === 'in' ? 'in from' : 'out to'} ${s.peers.join(', ') || '—'} `, bar(s.rangesDone, s.rangesTotal), ` ${num(s.keys)} keys, ${bytes(s.bytes)}, ${bytes(s.bytesPerSec)}/s`)),
      h('td', {}, t === undefined ? '—' : `${num(t.cleanup.runs)} runs, ${num(t.cleanup.rangesDropped)} ranges / ${num(t.cleanup.keysDropped)} keys dropped, ${num(t.cleanup.pending)} pending`),
    );
  });
  replace(panel, h('table', {}, h('thead', {}, h('tr', {}, ...['node', 'anti-entropy', 'streaming (join/leave)', 'cleanup'].map((x) => h('th', {}, x)))), h('tbody', {}, ...rows)));
}
