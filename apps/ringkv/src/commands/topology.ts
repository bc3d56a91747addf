/**
 * `ringkv plan`, `ringkv remove` and `ringkv cleanup`: one admin call each
 * (`GET /admin/plan`, `POST /admin/remove`, `POST /admin/cleanup`) and its
 * answer as text or JSON. `ringkv leave` watches a stream, so it lives in
 * leave.ts.
 *
 * Invariant: the answers are shown as the node computed them; the CLI adds
 * sums (the plan's rows per set of sources) and names, never figures of its
 * own; `--json` prints the node's answer unchanged.
 */
import type { CleanupCommand, PlanCommand, RemoveCommand } from '../args.js';
import { bytesText, countText, percentText, table } from '../format.js';
import type { Io } from '../io.js';
import { adminJson, downAsSeenBy } from './admin-http.js';

/** One group of ranges a topology change moves: who has them now, who receives them. */
export interface PlanMove {
  /** Current replicas the ranges stream from (any of them can serve). */
  readonly from: readonly string[];
  readonly to: string;
  readonly ranges: number;
  readonly keys: number;
  readonly bytes: number;
}

/** `GET /admin/plan`: what joining or leaving `id` would move. Nothing has changed. */
export interface Plan {
  readonly op: 'join' | 'leave';
  readonly id: string;
  readonly ringVersionBefore: number;
  readonly ringVersionAfter: number;
  readonly moves: readonly PlanMove[];
  /** `fractionOfKeys`: share of the cluster's keys that change hands (0…1). */
  readonly totals: { readonly ranges: number; readonly keys: number; readonly bytes: number; readonly fractionOfKeys: number };
}

/** `POST /admin/cleanup`: what the node dropped (after pushing what new owners lacked). */
export interface CleanupResult {
  readonly rangesDropped: number;
  readonly keysDropped: number;
  readonly bytesPushed: number;
}

/** `POST /admin/remove`. */
export interface RemoveResult {
  readonly removed: string;
}

/**
 * Asks the node for the plan; warns on stderr (the plan still prints, exit 0)
 * when some of its sources are down as the asked node sees them: their
 * figures came from the other replicas, and the change would stream from
 * those alone.
 */
export async function runPlan(command: PlanCommand, io: Io): Promise<Plan> {
  const query = { op: command.op, id: command.id, vnodes: command.vnodes, weight: command.weight, zone: command.zone, dc: command.dc, machine: command.machine };
  const plan = await adminJson<Plan>('plan', command, io, { method: 'GET', path: '/admin/plan', query });
  const seen = await downAsSeenBy(command, io.env);
  const down = new Set(seen?.down ?? []);
  const sources = names(plan.moves.flatMap((m) => m.from).filter((id) => down.has(id)));
  if (sources !== '') {
    io.stderr(`ringkv: plan: warning: ${sources} ${sources.includes(',') ? 'are' : 'is'} down as ${seen?.self ?? 'the node'} sees it: the counts come from the other replicas, and the ${command.op} would stream only from live ones (bring them back or ringkv remove them first)`);
  }
  return plan;
}

/** Removes the member (prints nothing). */
export function runRemove(command: RemoveCommand, io: Io): Promise<RemoveResult> {
  const body = command.force ? { id: command.id, force: true } : { id: command.id };
  return adminJson<RemoveResult>('remove', command, io, { method: 'POST', path: '/admin/remove', body });
}

/** Runs a cleanup on the node (prints nothing). */
export function runCleanup(command: CleanupCommand, io: Io): Promise<CleanupResult> {
  return adminJson<CleanupResult>('cleanup', command, io, { method: 'POST', path: '/admin/cleanup' });
}

/** Sorted distinct names, comma-separated. */
function names(ids: Iterable<string>): string {
  return [...new Set(ids)].sort().join(', ');
}

/**
 * The plan as a summary line, a table of moves and the ring versions:
 * `n4 would receive 25.1% of keys: 12,345 keys, 3.2 MB from n1, n2, n3`.
 */
export function planText(p: Plan): string {
  const t = p.totals;
  const amount = `${percentText(t.fractionOfKeys)} of keys: ${countText(t.keys)} key${t.keys === 1 ? '' : 's'}, ${bytesText(t.bytes)} in ${countText(t.ranges)} range${t.ranges === 1 ? '' : 's'}`;
  const head =
    p.moves.length === 0
      ? `${p.id} ${p.op === 'join' ? 'joining' : 'leaving'} would move nothing`
      : p.op === 'join'
        ? `${p.id} would receive ${amount} from ${names(p.moves.flatMap((m) => m.from))}`
        : `${p.id} would hand off ${amount} to ${names(p.moves.map((m) => m.to))}`;
  const rows = bySources(p.moves).map((m) => [m.from.join(','), m.to, countText(m.ranges), countText(m.keys), bytesText(m.bytes)]);
  const out = [head];
  if (rows.length > 0) out.push(...table(['FROM', 'TO', 'RANGES', 'KEYS', 'BYTES'], rows, [false, false, true, true, true]));
  out.push(`ring version ${p.ringVersionBefore} → ${p.ringVersionAfter}; nothing has changed (dry run)`);
  return out.join('\n');
}

/**
 * Moves summed per (set of sources, receiver), sorted by receiver, then
 * sources. A current node already answers one move per set with `from`
 * sorted, so this only orders its rows; a node of an earlier version listed
 * the sources of each range in preference order (the same three nodes in up
 * to six rows), which this merges into one row per set.
 */
export function bySources(moves: readonly PlanMove[]): PlanMove[] {
  const rows = new Map<string, { from: string[]; to: string; ranges: number; keys: number; bytes: number }>();
  for (const m of moves) {
    const from = [...m.from].sort();
    const key = `${from.join(',')}>${m.to}`;
    const row = rows.get(key) ?? { from, to: m.to, ranges: 0, keys: 0, bytes: 0 };
    row.ranges += m.ranges;
    row.keys += m.keys;
    row.bytes += m.bytes;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.to.localeCompare(b.to) || a.from.join(',').localeCompare(b.from.join(',')));
}

/** What `ringkv remove` prints. */
export function removeText(r: RemoveResult): string {
  return [
    `removed ${r.removed} from the ring`,
    `  its ranges have one copy fewer until repair re-creates it: every node starts a repair pass a few seconds after the ring change; ringkv repair on each node runs one now and reports what it copied`,
  ].join('\n');
}

/** What `ringkv cleanup` prints. */
export function cleanupText(c: CleanupResult): string {
  if (c.rangesDropped === 0 && c.keysDropped === 0) return `cleanup: nothing to drop (this node holds only ranges it replicates)${c.bytesPushed > 0 ? `; pushed ${bytesText(c.bytesPushed)} to new owners` : ''}`;
  return `cleanup: dropped ${countText(c.keysDropped)} keys of ${countText(c.rangesDropped)} range${c.rangesDropped === 1 ? '' : 's'} this node no longer replicates (pushed ${bytesText(c.bytesPushed)} their owners lacked first)`;
}
