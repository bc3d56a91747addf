/**
 * `ringkv status`: the cluster as one table, from the /status of the node at
 * `--url` (members, state, generation, ownership) and of every member it
 * lists (the hints each holds, summed per target).
 *
 * Invariant: a member whose /status cannot be read still gets its row (from
 * the asked node's view); only its hint count may be incomplete, and the
 * table says so. On a node with tokens, /status needs one of any role
 * (`--token`, `$RINGKV_TOKEN`, `$RINGKV_AUTH_TOKEN`); a refusal of the
 * asked node is an `unauthorized` (or `rejected` for 403) error.
 */

import type { StatusCommand } from '../args.js';
import type { Io } from '../io.js';
import { bytesText, countText, streamText, table, type StreamProgress } from '../format.js';
import { fetchJson } from './dev.js';
import type { TopologyStatus } from './leave.js';
import { nodeUrl } from './kv.js';
import { adminJson, adminToken } from './admin-http.js';
import { bearerHeaders, httpOf } from './node-http.js';
import { statusTimeoutMs } from '../limits.js';

/** One member row. */
export interface StatusRow {
  readonly id: string;
  readonly url: string;
  readonly state: string;
  /** Share of the ring's positions this member is first replica of (sums to 1). */
  readonly primaryShare: number;
  /** Share of positions this member holds a replica of (sums to N). */
  readonly replicaShare: number;
  /** Hints held for this member by the nodes that answered. */
  readonly hintsPending: number;
  readonly generation: number | undefined;
  /** The member's own topology report (its /status), when it answered and reports one. */
  readonly topology: TopologyStatus | undefined;
  /** The asked node's own view of the member (its peer link, when it last heard it), when the node reports one. */
  readonly reach: MemberReach | undefined;
  /** The member's `dc/rack/machine` labels ('' parts: none), or undefined when the node reports none. */
  readonly placement: string | undefined;
}

/** How the asked node itself reaches a member, at once (STATE waits for gossip to confirm a failure). */
export interface MemberReach {
  readonly link: 'self' | 'up' | 'down' | 'none';
  readonly heardAgoMs: number | null;
}

/** The table's data. */
export interface ClusterView {
  readonly askedNode: string;
  readonly ringVersion: number | undefined;
  readonly settings: SettingsView | undefined;
  /** Members the asked node hears (in gossip) running with other cluster settings, with their settings line. */
  readonly disagreeing: readonly { readonly id: string; readonly settings: string }[];
  readonly rows: readonly StatusRow[];
  /** Members whose /status did not answer (their hint counts are missing). */
  readonly unreachable: readonly string[];
}

/** The cluster settings of a node's /status (node-server README, "Cluster settings"). */
export interface SettingsView {
  n?: number;
  /** `3`, or the replication map `dc1:3,dc2:2`. */
  replicas?: string;
  r?: number;
  w?: number;
  mode?: string;
  /** `local` or `global` (absent from nodes that predate it: `local`). */
  readRepair?: string;
  hintTtlMs?: number;
  tombstoneGraceMs?: number;
  antiEntropyBucketsLog2?: number;
  effectiveN?: number;
  origin?: string;
  source?: string;
  disagreeing?: { id: string; settings: string }[];
}

/** The agreed values of a settings view, in one line (`N=3 R=2 W=2 sloppy …`); two nodes agree iff these are equal. */
export function settingsText(s: SettingsView): string {
  const parts = [`N=${s.n} R=${s.r} W=${s.w} ${s.mode ?? ''}`.trim()];
  if (s.readRepair !== undefined) parts.push(`read repair ${s.readRepair}`);
  if (s.hintTtlMs !== undefined) parts.push(`hint TTL ${durationText(s.hintTtlMs)}`);
  if (s.tombstoneGraceMs !== undefined) parts.push(`tombstone grace ${durationText(s.tombstoneGraceMs)}`);
  if (s.antiEntropyBucketsLog2 !== undefined) parts.push(`Merkle buckets 2^${s.antiEntropyBucketsLog2}`);
  return parts.join(', ');
}

/** A duration in the largest unit that divides it (`3 h`, `10 d`, `1500 ms`). */
function durationText(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1_000, 's']];
  for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}`;
  return `${ms} ms`;
}

interface NodeStatus {
  id: string;
  state?: string;
  cluster?: {
    settings?: SettingsView;
    ring?: { version?: number };
    members?: { id: string; url: string; status: string; generation?: number; ownership?: { primary: number; replica: number }; reach?: MemberReach }[];
    hintsPending?: Record<string, number>;
    topology?: TopologyStatus;
  };
}

export { httpOf } from './node-http.js';

/** Reads the cluster view (prints nothing). */
export async function runStatus(command: StatusCommand, io: Io): Promise<ClusterView> {
  const url = nodeUrl(command.url, io.env);
  // The asked node's refusals (no node, 401, 403) are the command's errors; another member that does not answer only loses its hint count.
  const asked = await adminJson<NodeStatus>('status', command, io, { method: 'GET', path: '/status', timeoutMs: statusTimeoutMs });
  const token = adminToken(command, io.env);
  const members = asked.cluster?.members ?? [{ id: asked.id, url, status: asked.state ?? 'normal', ownership: { primary: 1, replica: 1 } }];
  const others = await Promise.all(members.map((m) => (m.id === asked.id ? Promise.resolve(asked) : fetchJson<NodeStatus>(`${httpOf(m.url)}/status`, statusTimeoutMs, bearerHeaders(token)))));
  const hints = new Map<string, number>();
  for (const s of others) for (const [target, count] of Object.entries(s?.cluster?.hintsPending ?? {})) hints.set(target, (hints.get(target) ?? 0) + count);
  const rows = members.map((m, i) => ({
    id: m.id,
    url: m.url,
    state: m.status,
    primaryShare: m.ownership?.primary ?? 0,
    replicaShare: m.ownership?.replica ?? 0,
    hintsPending: hints.get(m.id) ?? 0,
    generation: (m as { generation?: number }).generation,
    topology: others[i]?.cluster?.topology,
    reach: (m as { reach?: MemberReach }).reach,
    placement: placementOf(m as { dc?: string; rack?: string; machine?: string }),
  }));
  return {
    askedNode: asked.id,
    ringVersion: asked.cluster?.ring?.version,
    settings: asked.cluster?.settings,
    disagreeing: asked.cluster?.settings?.disagreeing ?? [],
    rows,
    // A member that has left is expected to be gone; only the others' missing hint counts matter.
    unreachable: members.filter((m, i) => others[i] === undefined && m.status !== 'left').map((m) => m.id),
  };
}

/** The settings line under the header: the values, their origin, and the replicas keys have while the ring is smaller than N. */
function settingsLines(v: ClusterView): string[] {
  const s = v.settings;
  if (s === undefined) return [];
  const origin = s.origin === undefined ? '' : ` (founded by ${s.origin})`;
  const out = [`cluster settings${origin}: ${settingsText(s)}`];
  if (s.effectiveN !== undefined && s.n !== undefined && s.effectiveN < s.n) {
    out.push(`  keys have ${s.effectiveN} replica${s.effectiveN === 1 ? '' : 's'} until the ring has ${s.n} members (N=${s.n}); the default R and W are capped to ${s.effectiveN}`);
  }
  for (const d of v.disagreeing) out.push(`  ${d.id} runs with other cluster settings: ${d.settings}`);
  return out;
}

/**
 * A line per member that is streaming (joining: in, leaving: out), that
 * finished a stream (kept by the node as its last one), or that has ranges
 * waiting for cleanup, from its own report.
 */
export function topologyLines(rows: readonly StatusRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const t = r.topology;
    if (t === undefined) continue;
    const changing = t.self === 'joining' || t.self === 'leaving';
    if (t.stream !== null && changing) out.push(`${r.id} ${t.self}, streaming ${t.stream.direction}: ${streamText(t.stream)}`);
    else if (t.stream !== null) out.push(`${r.id}: last stream (${t.stream.direction}) finished: ${finishedText(t.stream)}`);
    else if (changing) out.push(`${r.id} ${t.self}: waiting for its stream to start`);
    if (t.cleanup !== undefined && t.cleanup.pending > 0) out.push(`${r.id}: ${t.cleanup.pending} range${t.cleanup.pending === 1 ? '' : 's'} no longer replicated here wait for cleanup (ringkv cleanup --url ${r.url})`);
  }
  return out;
}

/** A finished stream without its rate (the node reports bytes over the time since it started, which keeps falling). */
function finishedText(s: StreamProgress): string {
  const arrow = s.direction === 'out' ? '→' : '←';
  return `${countText(s.rangesDone)}/${countText(s.rangesTotal)} ranges, ${countText(s.keys)} keys, ${bytesText(s.bytes)} ${arrow} ${[...s.peers].sort().join(', ')}`;
}

/** `up 0.4s`, `down 12.3s`, `self`, or `-` from a node that does not report it. */
export function reachText(reach: MemberReach | undefined): string {
  if (reach === undefined) return '-';
  if (reach.link === 'self') return 'self';
  const ago = reach.heardAgoMs === null ? 'never' : `${(reach.heardAgoMs / 1000).toFixed(1)}s`;
  return `${reach.link === 'none' ? 'no link' : reach.link} ${ago}`;
}

/** `dc/rack/machine` of a member of /status; undefined when it has no label at all. */
function placementOf(m: { dc?: string; rack?: string; machine?: string }): string | undefined {
  const parts = [m.dc ?? '', m.rack ?? '', m.machine ?? ''];
  return parts.every((p) => p === '') ? undefined : parts.join('/');
}

/** The view as a table. */
export function statusText(v: ClusterView): string {
  const s = v.settings;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const header = `cluster as seen by ${v.askedNode}: ${v.rows.length} member${v.rows.length === 1 ? '' : 's'}` +
    (s === undefined ? '' : `, N=${s.n}${s.replicas !== undefined && s.replicas !== String(s.n) ? ` (${s.replicas})` : ''} R=${s.r} W=${s.w} ${s.mode ?? ''}`) +
    (v.ringVersion === undefined ? '' : `, ring version ${v.ringVersion}`);
  // DC/RACK/MACHINE only when some member has a label (a cluster without them keeps its table).
  const labelled = v.rows.some((r) => r.placement !== undefined);
  const cols = ['ID', 'URL', 'STATE', 'REACH', 'PRIMARY', 'REPLICA', 'HINTS', 'GENERATION', ...(labelled ? ['DC/RACK/MACHINE'] : [])];
  const body = v.rows.map((r) => [
    r.id, r.url, r.state, reachText(r.reach), pct(r.primaryShare), pct(r.replicaShare), String(r.hintsPending), r.generation === undefined ? '-' : String(r.generation),
    ...(labelled ? [r.placement ?? '//'] : []),
  ]);
  const out = [header, ...settingsLines(v), ...table(cols, body)];
  out.push('PRIMARY: share of keys it is first replica of; REPLICA: share of keys it holds a copy of; HINTS: writes held for it by other nodes');
  out.push(`REACH: ${v.askedNode}'s own link to it now (up/down) and when it last heard from it; STATE is gossip's verdict, which waits to confirm a failure`);
  out.push(...topologyLines(v.rows));
  if (v.unreachable.length > 0) out.push(`(no /status from ${v.unreachable.join(', ')}: the hints they hold are not counted)`);
  return out.join('\n');
}
