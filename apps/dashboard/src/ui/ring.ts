/**
 * The ring panel: every vnode as a tick on a circle, coloured by its node,
 * and a legend with each member's ownership shares.
 */
import { colourOf, h, num, replace } from './dom.js';
import type { LiveSample } from '../contract.js';

const svgNs = 'http://www.w3.org/2000/svg';
const size = 240;
const centre = size / 2;

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

let drawnVersion = -1;

/** Redraws the ring when its version changed, and the legend every sample. */
export function renderRing(panel: HTMLElement, legend: HTMLElement, sample: LiveSample): void {
  const ids = sample.ring.members.map((m) => m.id);
  if (sample.ring.version !== drawnVersion) {
    drawnVersion = sample.ring.version;
    const root = svg('svg', { viewBox: `0 0 ${size} ${size}`, width: size, height: size, role: 'img', 'aria-label': 'ring of vnodes' });
    root.appendChild(svg('circle', { cx: centre, cy: centre, r: 96, fill: 'none', stroke: '#ccc', 'stroke-width': 1 }));
    for (const member of sample.ring.members) {
      const colour = colourOf(member.id, ids);
      for (const f of member.tokens) {
        const a = 2 * Math.PI * f - Math.PI / 2;
        const [c, s] = [Math.cos(a), Math.sin(a)];
        root.appendChild(svg('line', { x1: centre + 84 * c, y1: centre + 84 * s, x2: centre + 108 * c, y2: centre + 108 * s, stroke: colour, 'stroke-width': 2 }));
      }
    }
    const label = svg('text', { x: centre, y: centre + 4, 'text-anchor': 'middle', 'font-size': 12, fill: '#555' });
    label.textContent = `ring v${sample.ring.version}`;
    root.appendChild(label);
    panel.replaceChildren(root);
    panel.dataset['vnodes'] = String(sample.ring.members.reduce((n, m) => n + m.tokens.length, 0));
  }
  const members = sample.cluster?.members ?? [];
  replace(
    legend,
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'node'), h('th', {}, 'vnodes'), h('th', {}, 'primary'), h('th', {}, 'replica'))),
      h('tbody', {}, ...members.map((m) =>
        h('tr', {},
          h('td', {}, h('span', { class: 'swatch', style: `background:${ids.includes(m.id) ? colourOf(m.id, ids) : '#fff'}` }), m.id),
          h('td', {}, ids.includes(m.id) ? m.vnodes : 0),
          h('td', {}, `${num(m.ownership.primary * 100, 1)} %`),
          h('td', {}, `${num(m.ownership.replica * 100, 1)} %`),
        ),
      )),
    ),
  );
}
