/**
 * `ringkv leave`: asks the node at `--url` to decommission itself
 * (`POST /admin/leave`), then watches its /status until it has left, with
 * a progress bar of the outgoing stream on stderr.
 *
 * A node started by `ringkv start` exits once it has left, so "left" is
 * seen either in its /status (`cluster.topology.self === 'left'`) or as its
 * port closing; in the second case the other members (from the last member
 * list it showed) are asked whether they saw it leave.
 *
 * Invariants:
 *   1. Success means the node reported `left`, or its port closed and another
 *      member lists it as left (or no longer lists it). A node that stopped
 *      while still leaving is a failure (exit 1), never reported as left.
 *   2. Every wait is bounded: a node that neither answers nor closes its
 *      port is given up after `leavePollFailuresMax` polls; the confirmation
 *      after the port closes lasts at most `leaveConfirmMs`. The stream itself
 *      may take as long as it needs while it answers.
 *   3. Progress goes to stderr (a line when the bar gains a cell or the state
 *      changes, else every `leaveQuietLineMs`), the result to stdout;
 *      `--json` prints no progress.
 */
import type { LeaveCommand } from '../args.js';
import { CliError } from '../errors.js';
import { barText, bytesText, countText, streamText, type StreamProgress } from '../format.js';
import type { Io } from '../io.js';
import { leaveConfirmMs, leaveFirstStatusTimeoutMs, leavePollFailuresMax, leavePollMs, leaveQuietLineMs, leaveStatusTimeoutMs } from '../limits.js';
import { adminBase, adminJson, adminToken } from './admin-http.js';
import { bearerHeaders } from './node-http.js';
import { httpOf } from './status.js';

/** `cluster.topology` of /status. */
export interface TopologyStatus {
  readonly self: 'joining' | 'normal' | 'leaving' | 'left';
  readonly stream: StreamProgress | null;
  readonly cleanup?: { readonly runs: number; readonly rangesDropped: number; readonly keysDropped: number; readonly pending: number };
}

/** What `ringkv leave` reports. */
export interface LeaveResult {
  readonly id: string;
  /** `leaving` with `--no-wait`; `left` once done. */
  readonly state: 'leaving' | 'left';
  /** The last stream progress seen (undefined when none was seen). */
  readonly stream: StreamProgress | undefined;
  /** How the end was seen: the node's own /status, or another member after the node's port closed. */
  readonly seenBy: string | undefined;
}

/** Poll timing; tests shorten it. */
export interface LeaveTiming {
  readonly pollMs: number;
  readonly confirmMs: number;
}

interface NodeView {
  id: string;
  cluster?: { topology?: TopologyStatus; members?: { id: string; url: string; status: string }[] };
}

type Poll = { kind: 'view'; view: NodeView } | { kind: 'closed' } | { kind: 'failed'; reason: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the leave and (unless `--no-wait`) watches it to the end; see the module invariants. */
export async function runLeave(command: LeaveCommand, io: Io, timing: LeaveTiming = { pollMs: leavePollMs, confirmMs: leaveConfirmMs }): Promise<LeaveResult> {
  const base = adminBase(command, io.env);
  // The id and the members to confirm with later; a busy node may take seconds to answer.
  const first = await adminJson<NodeView>('leave', command, io, { method: 'GET', path: '/status', timeoutMs: leaveFirstStatusTimeoutMs });
  const id = first.id;
  await adminJson<{ state: string }>('leave', command, io, { method: 'POST', path: '/admin/leave' });
  if (!command.wait) return { id, state: 'leaving', stream: undefined, seenBy: undefined };
  if (!command.json) io.stderr(`leave: ${id} is leaving; its ranges stream to their next owners (Ctrl-C stops watching, not the leave)`);
  return watch(command, io, base, id, first, timing);
}

async function watch(command: LeaveCommand, io: Io, base: string, id: string, firstView: NodeView, timing: LeaveTiming): Promise<LeaveResult> {
  let members = firstView.cluster?.members ?? [];
  let stream: StreamProgress | undefined;
  let failures = 0;
  let lastStep = '';
  let lastLineAt = 0;
  for (;;) {
    const poll = await pollStatus(base, adminToken(command, io.env));
    if (poll.kind === 'closed') return confirmGone(adminToken(command, io.env), id, members, stream, timing);
    if (poll.kind === 'failed') {
      if (++failures > leavePollFailuresMax) throw new CliError('unreachable', `leave: lost contact with ${id} while it was leaving (${poll.reason}); see ringkv status on another node`);
    } else {
      failures = 0;
      members = poll.view.cluster?.members ?? members;
      const topology = poll.view.cluster?.topology;
      stream = topology?.stream ?? stream;
      if (topology?.self === 'left') return { id, state: 'left', stream, seenBy: id };
      const step = progressStep(topology);
      if (!command.json && (step !== lastStep || Date.now() - lastLineAt >= leaveQuietLineMs)) {
        io.stderr(leaveLine(id, topology));
        lastStep = step;
        lastLineAt = Date.now();
      }
    }
    await sleep(timing.pollMs);
  }
}

/**
 * The node's port closed: ask the other members (invariant 1) until one
 * sees it left or `confirmMs` passes.
 */
async function confirmGone(token: string | undefined, id: string, members: readonly { id: string; url: string }[], stream: StreamProgress | undefined, timing: LeaveTiming): Promise<LeaveResult> {
  const others = members.filter((m) => m.id !== id);
  const deadline = Date.now() + timing.confirmMs;
  let seen = 'no other member answered';
  for (;;) {
    for (const other of others) {
      const poll = await pollStatus(httpOf(other.url), token);
      if (poll.kind !== 'view') continue;
      const entry = poll.view.cluster?.members?.find((m) => m.id === id);
      if (entry === undefined || entry.status === 'left') return { id, state: 'left', stream, seenBy: other.id };
      seen = `${other.id} sees it as ${entry.status}`;
    }
    if (Date.now() >= deadline) break;
    await sleep(timing.pollMs);
  }
  throw new CliError('failed', `leave: ${id} stopped before the others saw it leave (${seen}); start it again and rerun ringkv leave, or ringkv remove ${id} if it is gone for good`);
}

/** One GET /status: the view, a refused connection (the node is gone), or another failure. */
async function pollStatus(base: string, token: string | undefined): Promise<Poll> {
  try {
    const res = await fetch(`${base}/status`, { headers: bearerHeaders(token), signal: AbortSignal.timeout(leaveStatusTimeoutMs) });
    if (!res.ok) return { kind: 'failed', reason: `/status answered ${res.status}` };
    return { kind: 'view', view: (await res.json()) as NodeView };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { kind: 'closed' };
    return { kind: 'failed', reason: cause?.code ?? (error as Error).message };
  }
}

/**
 * What must change for a new progress line before `leaveQuietLineMs`: the
 * state, or the bar gaining a cell (at most 20 lines for the stream itself,
 * however long it runs; the rate alone changes on every poll).
 */
function progressStep(topology: TopologyStatus | undefined): string {
  const s = topology?.stream;
  return `${topology?.self}:${s?.direction ?? ''}:${s === null || s === undefined ? '' : barText(s.rangesDone, s.rangesTotal)}`;
}

/** A progress line: `leave [######--------------] 3/12 ranges  12,345 keys  3.2 MB  1.1 MB/s  → n1, n3`. */
export function leaveLine(id: string, topology: TopologyStatus | undefined): string {
  const s = topology?.stream;
  if (s === null || s === undefined || s.direction !== 'out') return `leave: ${id} is ${topology?.self ?? 'leaving'}; waiting for its stream to start`;
  return `leave ${streamText(s)}`;
}

/** What `ringkv leave` prints on stdout. */
export function leaveText(r: LeaveResult): string {
  if (r.state === 'leaving') return `${r.id} is leaving (watch it with: ringkv status; it exits once its ranges have moved)`;
  const moved = r.stream === undefined ? '' : `: streamed ${countText(r.stream.keys)} keys, ${bytesText(r.stream.bytes)} in ${countText(r.stream.rangesTotal)} ranges`;
  return `${r.id} has left the cluster${moved}`;
}
