/**
 * The members panel: each member as the serving node's gossip sees it
 * (status, generation), as it answers for itself (actor, load, ops/s), and
 * the hints the cluster holds for it.
 */
import { bytes, h, num, replace } from './dom.js';
import type { ClusterMember, LiveSample, NodeSample } from '../contract.js';

/** Hints held anywhere in the cluster for `id`, summed over the reachable nodes' figures. */
function hintsFor(id: string, nodes: readonly NodeSample[]): number {
  let sum = 0;
  for (const n of nodes) if (n.reachable) sum += n.hintsPending[id] ?? 0;
  return sum;
}

function held(n: NodeSample | undefined): number | undefined {
  if (n === undefined || !n.reachable) return undefined;
  return Object.values(n.hintsPending).reduce((a, b) => a + b, 0);
}

/** A member's placement labels as `dc / rack / machine`, '—' for a label not set. */
export function placement(m: Pick<ClusterMember, 'dc' | 'rack' | 'zone' | 'machine'>): string {
  const label = (v: string | undefined): string => (v === undefined || v === '' ? '—' : v);
  return `${label(m.dc)} / ${label(m.rack ?? m.zone)} / ${label(m.machine)}`;
}

/** Redraws the members table. A row's `data-status` is the status shown, for tests and styles. */
export function renderMembers(panel: HTMLElement, sample: LiveSample): void {
  const members = sample.cluster?.members ?? [];
  const byId = new Map(sample.nodes.map((n) => [n.id, n]));
  replace(
    panel,
    h('table', { class: 'members' },
      h('thead', {}, h('tr', {}, ...['node', 'status', 'dc / rack / machine', 'generation', 'actor (incarnation)', 'keys', 'data', 'ops/s', 'hints held', 'hints for it', 'link'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...members.map((m) => {
        const n = byId.get(m.id);
        const reachable = n?.reachable === true;
        const status = m.status === 'normal' && n !== undefined && !reachable ? 'unreachable' : m.status;
        return h('tr', { 'data-member': m.id, 'data-status': status, class: `status-${status}` },
          h('td', {}, m.id, m.id === sample.self ? h('span', { class: 'tag' }, 'this node') : null),
          h('td', { class: 'status' }, status),
          h('td', {}, placement(m)),
          h('td', {}, m.generation),
          h('td', { class: 'mono' }, n?.reachable === true ? (n.actor ?? '—') : '—'),
          h('td', {}, n?.reachable === true ? num(n.store?.keys) : '—'),
          h('td', {}, n?.reachable === true ? bytes(n.store?.bytes) : '—'),
          h('td', { 'data-ops': n?.reachable === true ? String(n.opsPerSec ?? 0) : '' }, n?.reachable === true ? num(n.opsPerSec, 0) : '—'),
          h('td', {}, num(held(n))),
          h('td', {}, num(hintsFor(m.id, sample.nodes))),
          h('td', { title: n !== undefined && !n.reachable ? n.error : '' }, m.reach === undefined ? '—' : m.reach.link === 'self' ? 'self' : `${m.reach.link}${m.reach.heardAgoMs === null ? '' : `, heard ${num(m.reach.heardAgoMs / 1000, 1)} s ago`}`),
        );
      })),
    ),
  );
}
