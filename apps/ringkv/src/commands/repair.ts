/**
 * `ringkv repair`: runs a full anti-entropy pass now on the node at `--url`
 * (`POST /repair`), shows its progress (one line per exchange on stderr) and
 * prints the summary: ranges compared, keys repaired, bytes moved.
 *
 * Invariant: the node streams newline-delimited JSON (`{"progress":…}` lines,
 * then one `{"summary":…}` or `{"error":…}`); anything else is reported as an
 * unreachable or failed node, never printed as a summary.
 */
import type { RepairCommand } from '../args.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { barText } from '../format.js';
import { repairTimeoutMs } from '../limits.js';
import { adminFetch, downAsSeenBy } from './admin-http.js';

/** What the node reports after a pass. */
export interface RepairSummary {
  readonly rangesCompared: number;
  readonly exchanges: number;
  readonly exchangesFailed: number;
  readonly bucketsDiffering: number;
  readonly keysCompared: number;
  readonly keysPulled: number;
  readonly keysPushed: number;
  readonly keysRepaired: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly roundTrips: number;
  readonly durationMs: number;
  readonly failures: readonly { readonly group: string; readonly peer: string; readonly error: string }[];
}

interface Line {
  progress?: { done: number; total: number; group: string; peer: string };
  summary?: RepairSummary;
  error?: string;
}

/** Runs the pass; progress goes to stderr unless `--json`. */
export async function runRepair(command: RepairCommand, io: Io): Promise<RepairSummary> {
  // A full pass on a large node runs for minutes; progress lines keep the answer alive, so no overall timeout.
  const res = await adminFetch('repair', command, io, { method: 'POST', path: '/repair', timeoutMs: repairTimeoutMs });
  if (res.body === null) throw new CliError('failed', 'repair: the node answered without a body');
  let summary: RepairSummary | undefined;
  for await (const line of lines(res.body)) {
    const m = JSON.parse(line) as Line;
    if (m.progress !== undefined && !command.json) io.stderr(progressLine(m.progress));
    if (m.error !== undefined) throw new CliError('failed', `repair: the node failed the pass: ${m.error}`);
    if (m.summary !== undefined) summary = m.summary;
  }
  if (summary === undefined) throw new CliError('failed', 'repair: the node closed the answer without a summary');
  if (summary.rangesCompared === 0 && summary.exchanges === 0) await nothingCompared(command, io);
  return summary;
}

/**
 * A pass that compared nothing: fine for a node alone (it has no other
 * replica), a failure otherwise (every other replica was down or
 * unreachable), said as such rather than as "0 replica sets compared".
 */
async function nothingCompared(command: RepairCommand, io: Io): Promise<void> {
  const seen = await downAsSeenBy(command, io.env);
  if (seen !== undefined && seen.others === 0) return;
  const down = seen === undefined || seen.down.length === 0 ? '' : ` (down as ${seen.self} sees them: ${seen.down.join(', ')})`;
  throw new CliError('failed', `repair: nothing was compared: no other replica of this node's ranges was reachable${down}; run it again once they are up`);
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i).trim();
      rest = rest.slice(i + 1);
      if (line !== '') yield line;
    }
  }
  if (rest.trim() !== '') yield rest.trim();
}

/** `[######------] 3/6  a,b,c with b`: a 20-cell bar. */
export function progressLine(p: { done: number; total: number; group: string; peer: string }): string {
  const what = p.peer === '' ? 'done' : `replicas ${p.group} with ${p.peer}`;
  return `repair ${barText(p.done, p.total)} ${p.done}/${p.total}  ${what}`;
}

/** The summary as text. */
export function repairText(s: RepairSummary): string {
  const kib = (b: number): string => (b < 1024 ? `${b} B` : b < 1 << 20 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / (1 << 20)).toFixed(1)} MiB`);
  const out = [
    `repair done in ${s.durationMs} ms: ${s.rangesCompared} replica set${s.rangesCompared === 1 ? '' : 's'} compared in ${s.exchanges} exchange${s.exchanges === 1 ? '' : 's'} (${s.roundTrips} round trips)`,
    `  buckets differing ${s.bucketsDiffering}, keys compared ${s.keysCompared}, keys repaired ${s.keysRepaired} (${s.keysPulled} pulled here, ${s.keysPushed} pushed to peers)`,
    `  bytes moved: ${kib(s.bytesSent)} sent, ${kib(s.bytesReceived)} received`,
  ];
  for (const f of s.failures) out.push(`  failed: ${f.group} with ${f.peer}: ${f.error}`);
  return out.join('\n');
}
