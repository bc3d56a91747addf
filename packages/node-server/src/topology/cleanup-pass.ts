/**
 * One cleanup pass over the ring (service.ts invariant 3): every range this
 * node holds data of but no longer replicates is cleaned (cleanup.ts) when
 * all its owners are up; the others are counted as pending. The service
 * serialises passes, keeps the totals and schedules a retry.
 */
import { HashRing, ringDiff } from '@ringkv/hashring';
import { ringVnodesBase } from '../cluster/ring-view.js';
import { cleanupRange } from './cleanup.js';
import type { TopologyRun } from './options.js';
import { rangeHasData, rangeName } from './ranges.js';

/** `POST /admin/cleanup`'s answer. */
export interface CleanupSummary {
  readonly rangesDropped: number;
  readonly keysDropped: number;
  readonly bytesPushed: number;
}

/** Runs one pass; resolves with what it dropped and how many ranges it had to keep (an owner down, or a range not complete). */
export async function cleanupPass(run: TopologyRun): Promise<{ summary: CleanupSummary; pending: number }> {
  const { o } = run;
  const view = o.cluster.view;
  const summary = { rangesDropped: 0, keysDropped: 0, bytesPushed: 0 };
  let pending = 0;
  // Every range of the ring with its replicas: the diff from an empty ring lists them all.
  for (const range of ringDiff(HashRing.fromNodes([], { vnodes: ringVnodesBase }), view.ring, o.n)) {
    if (run.stopped() || view.changing) break;
    if (range.after.includes(o.id) || !rangeHasData(o.engine, range)) continue;
    const owners = range.after.map((id) => ({ id, address: view.addressOf(id) }));
    if (owners.some((w) => w.address === undefined || view.down.has(w.id))) {
      pending++;
      continue;
    }
    const r = await cleanupRange({ ...run.ports(), clock: o.clock, changing: () => view.changing }, range, owners as { id: string; address: string }[]).catch((error: unknown) => {
      o.log.warn({ range: rangeName(range), err: error }, 'cleanup of a range failed; it is kept');
      return undefined;
    });
    if (r === undefined || !r.complete) pending++;
    else summary.rangesDropped++;
    summary.keysDropped += r?.keysDropped ?? 0;
    summary.bytesPushed += r?.bytesPushed ?? 0;
  }
  return { summary, pending };
}
