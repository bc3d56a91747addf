/**
 * The key inspector: type a key, see its ring position, its preference
 * list, what each replica holds (siblings with their dots, and the version
 * context) and the receipt of a read at R = all (`GET /dashboard/key`).
 */
import { planMovesShownMax } from '../limits.js';
import { getJson } from './api.js';
import { bytes, h, num, replace } from './dom.js';
import type { InspectedSibling, Inspection, Plan } from '../contract.js';

function sibling(s: InspectedSibling): HTMLElement {
  const dot = s.dot === undefined ? '' : `(${s.dot.actor}, ${s.dot.counter}) `;
  if (s.tombstone) return h('li', { class: 'sibling tombstone' }, h('span', { class: 'mono' }, dot), 'tombstone');
  return h('li', { class: 'sibling' },
    h('span', { class: 'mono' }, dot),
    h('code', {}, s.preview), s.truncated ? '…' : '',
    h('span', { class: 'muted' }, ` ${s.encoding}, ${bytes(s.bytes)}`),
  );
}

function contextText(context: Readonly<Record<string, number>>): string {
  const entries = Object.entries(context);
  return entries.length === 0 ? '{}' : `{ ${entries.map(([a, c]) => `${a}: ${c}`).join(', ')} }`;
}

/** Renders one inspection. Replica blocks carry `data-replica` and `data-siblings`; the read block `data-read-siblings`. */
export function renderInspection(panel: HTMLElement, x: Inspection): void {
  const read = x.read;
  replace(panel,
    h('p', {}, 'position ', h('code', {}, x.position), ` · N = ${x.n} · preference list: `,
      ...x.preferenceList.map((p) => h('span', { class: `chip status-${p.down ? 'down' : p.status}` }, `${p.node} (${p.down ? 'down' : p.status})`)),
      x.pending.length > 0 ? ` · pending: ${x.pending.join(', ')}` : ''),
    h('div', { class: 'replicas' }, ...x.replicas.map((r) =>
      r.ok
        ? h('div', { class: 'replica', 'data-replica': r.node, 'data-siblings': r.siblings.length },
            h('h4', {}, `${r.node}: ${r.siblings.length} sibling${r.siblings.length === 1 ? '' : 's'}`),
            r.siblings.length === 0 ? h('p', { class: 'muted' }, 'nothing stored') : h('ul', {}, ...r.siblings.map(sibling)),
            h('p', {}, 'context ', h('code', {}, contextText(r.context))))
        : h('div', { class: 'replica error', 'data-replica': r.node, 'data-siblings': '' }, h('h4', {}, r.node), h('p', {}, `${r.code}: ${r.message}`)),
    )),
    read.ok
      ? h('div', { class: 'read', 'data-read-siblings': read.siblings.length },
          h('h4', {}, `read at R = all: ${read.siblings.length} sibling${read.siblings.length === 1 ? '' : 's'}${read.found ? '' : ' (not found)'}`),
          h('ul', {}, ...read.siblings.map(sibling)),
          h('p', {}, 'merged context ', h('code', {}, contextText(read.context))),
          read.receipt === undefined ? null : h('table', {},
            h('caption', {}, `receipt: coordinator ${read.receipt.coordinator}, R = ${read.receipt.r ?? '—'}, ${read.receipt.elapsedMs} ms, read repair: ${read.receipt.readRepair.join(', ') || 'none'}`),
            h('thead', {}, h('tr', {}, ...['replica', 'role', 'outcome', 'latency'].map((t) => h('th', {}, t)))),
            h('tbody', {}, ...read.receipt.replicas.map((r) => h('tr', {},
              h('td', {}, r.node), h('td', {}, r.hintFor === undefined ? r.role : `${r.role} for ${r.hintFor}`),
              h('td', { title: r.error ?? '' }, r.outcome), h('td', {}, r.latencyMs === undefined ? '—' : `${r.latencyMs} ms`))))))
      : h('div', { class: 'read error', 'data-read-siblings': '' }, h('h4', {}, 'read at R = all failed'), h('p', {}, `${read.code}: ${read.message}`)),
  );
}

/** Runs the inspector for `key` into `panel`; errors are shown in the panel, and passed to `onError` (the token prompt). */
export async function inspect(panel: HTMLElement, key: string, asHex: boolean, onError: (error: unknown) => void): Promise<void> {
  replace(panel, h('p', { class: 'muted' }, 'reading…'));
  try {
    const query = `${asHex ? 'hex' : 'key'}=${encodeURIComponent(key)}`;
    renderInspection(panel, await getJson<Inspection>(`/dashboard/key?${query}`));
  } catch (error) {
    replace(panel, h('p', { class: 'error' }, (error as Error).message));
    onError(error);
  }
}

/** Shows the plan of a join or leave (`GET /admin/plan`): nothing runs. */
export async function showPlan(panel: HTMLElement, params: URLSearchParams, onError: (error: unknown) => void): Promise<void> {
  replace(panel, h('p', { class: 'muted' }, 'planning…'));
  try {
    const plan = await getJson<Plan>(`/admin/plan?${params.toString()}`);
    const shown = plan.moves.slice(0, planMovesShownMax);
    replace(panel,
      h('p', { 'data-plan-moves': plan.moves.length },
        `${plan.op} ${plan.id}: ring v${plan.ringVersionBefore} → v${plan.ringVersionAfter}; ${num(plan.totals.ranges)} ranges, ${num(plan.totals.keys)} key copies, ${bytes(plan.totals.bytes)} to stream; ${num(plan.totals.fractionOfKeys * 100, 1)} % of keys gain a replica`),
      h('table', {},
        h('thead', {}, h('tr', {}, ...['from (any of)', 'to', 'ranges', 'keys', 'bytes'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...shown.map((m) => h('tr', {}, h('td', {}, m.from.join(', ')), h('td', {}, m.to), h('td', {}, num(m.ranges)), h('td', {}, num(m.keys)), h('td', {}, bytes(m.bytes)))))),
      plan.moves.length > shown.length ? h('p', { class: 'muted' }, `… and ${plan.moves.length - shown.length} more moves`) : null,
    );
  } catch (error) {
    replace(panel, h('p', { class: 'error' }, (error as Error).message));
    onError(error);
  }
}
