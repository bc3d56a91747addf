/**
 * The human summary of a chaos run: what ran, what was injected, what the
 * checker found. One line per fact, so it pastes into a README or an issue.
 */
import type { ChaosReport } from './runner.js';

const list = (items: readonly { key: string; element: string }[]): string =>
  items.slice(0, 10).map((x) => `${x.key}:${x.element}`).join(', ') + (items.length > 10 ? `, … (${items.length})` : '');

/** The summary lines of a report. */
export function formatReport(r: ChaosReport): string[] {
  const c = r.check;
  const faults = Object.entries(r.faults).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const total = Object.values(r.faults).reduce((a, b) => a + b, 0);
  const conv = r.convergence;
  const ms = (v: number | undefined): string => (v === undefined ? 'never' : `${(v / 1000).toFixed(1)} s`);
  const lines = [
    `chaos: seed ${r.seed}, ${r.nodes} nodes, ${r.clients} clients, ${r.keys} keys, ${r.durationMs / 1000} s of faults${r.overlap ? ' (kills and pauses overlapping)' : ''}, ${(r.wallMs / 1000).toFixed(1)} s in all`,
    `ops ${r.ops}: adds ${c.adds} (acknowledged ${c.ok}, failed ${c.failed}, indeterminate ${c.indeterminate}: ${c.indeterminatePresent} present after the heal, ${c.indeterminateAbsent} absent), reads failed ${r.readsFailed}`,
    `faults ${total}: ${faults}; connections reset ${r.connectionsCut}${r.wipeRepairs.length > 0 ? `; repairs after wipes: keys repaired ${r.wipeRepairs.map((w) => w.keysRepaired).join(', ')}` : ''}`,
    `convergence: members ${ms(conv.membersMs)}, hints drained ${ms(conv.hintsMs)}, repair rounds ${conv.keysRepairedByRound.length} (keys repaired ${conv.keysRepairedByRound.join(' → ') || '-'}; last round ${conv.exchangesLastRound} replica exchanges)${conv.problems.length > 0 ? `; NOT CONVERGED: ${conv.problems.join('; ')}` : ''}`,
    `cluster counters: ${Object.entries(r.counters).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `final reads: ${c.keys} keys, ${c.keys - c.unread.length} read, most siblings on a key ${c.siblingsMax}`,
    `lost ${c.lost.length}, never attempted ${c.neverAttempted.length}, failed but present ${c.failedPresent.length}, unread keys ${c.unread.length}, node crashes ${r.unexpectedExits}, failed restarts ${r.restartFailures.length}, adds answered quorum-not-met ${r.quorumNotMetAdds}`,
  ];
  if (c.lost.length > 0) lines.push(`  lost: ${list(c.lost)}`);
  if (c.neverAttempted.length > 0) lines.push(`  never attempted: ${list(c.neverAttempted)}`);
  if (c.failedPresent.length > 0) lines.push(`  failed but present: ${list(c.failedPresent)}`);
  for (const u of c.unread.slice(0, 10)) lines.push(`  unread ${u.key}: ${u.error}`);
  for (const f of r.restartFailures) lines.push(`  restart failed: ${f}`);
  lines.push(r.valid ? 'result: PASS' : `result: FAIL${r.workDir === undefined ? '' : ` (data and node logs kept in ${r.workDir})`}`);
  return lines;
}
