/**
 * The two steps of a join (service.ts invariant 1): wait until the cluster
 * shows it knows this node is joining, then stream every range the node
 * gains from one of its current replicas. The service runs them, then
 * records and gossips `normal`.
 */
import type { RangeChange } from '@ringkv/hashring';
import type { JoinWitnesses } from './join-witnesses.js';
import { joinWitnessRoundsMax } from './limits.js';
import type { TopologyRun } from './options.js';
import { readProgress } from './progress.js';
import { rangeName } from './ranges.js';
import type { StreamStatus } from './status.js';
import { pullRange } from './streams.js';

/**
 * Waits until gossip shows another ring member, then until every live
 * member (normal or leaving) has shown in its gossip that it knows this
 * node is joining (join-witnesses.ts), so its coordinators write to this
 * node as a pending replica before any range is streamed; at most
 * `joinWitnessRoundsMax` rounds, after which the join proceeds and logs
 * who was not confirmed (anti-entropy covers their writes). Then one more
 * round, for writes a coordinator began before it learned.
 */
export async function waitForCluster(run: TopologyRun, witnesses: JoinWitnesses): Promise<void> {
  const { o } = run;
  const interval = o.gossipIntervalMs;
  while (!run.stopped() && o.cluster.view.ring.nodes().every((m) => m.id === o.id)) await run.sleep(interval);
  const deadlineMs = o.clock.now() + interval * joinWitnessRoundsMax;
  for (;;) {
    if (run.stopped()) return;
    const live = o.cluster.view.snapshot().filter((m) => m.id !== o.id && (m.status === 'normal' || m.status === 'leaving'));
    const missing = witnesses.missing(live);
    if (missing.length === 0) break;
    if (o.clock.now() >= deadlineMs) {
      o.log.warn({ missing, rounds: joinWitnessRoundsMax }, 'some members have not shown they know this node is joining; streaming anyway (anti-entropy covers writes they coordinate meanwhile)');
      break;
    }
    await run.sleep(interval / 2);
  }
  await run.sleep(interval);
}

/** Streams every gained range from one of its current replicas, counting done ranges in `stream`; false when some range found no source. */
export async function pullAll(run: TopologyRun, gained: readonly RangeChange[], stream: StreamStatus): Promise<boolean> {
  let complete = true;
  for (const change of gained) {
    if (run.stopped()) return false;
    if (await pullOne(run, change)) stream.rangesDone++;
    else complete = false;
  }
  return complete;
}

async function pullOne(run: TopologyRun, change: RangeChange): Promise<boolean> {
  const { o } = run;
  const name = rangeName(change);
  if (readProgress(o.engine, name).done) return true;
  const view = o.cluster.view;
  const sources = change.before.filter((id) => id !== o.id && !view.down.has(id));
  for (const source of sources) {
    const address = view.addressOf(source);
    if (address === undefined) continue;
    try {
      run.notePeer(source);
      await pullRange(run.ports(), address, change, name);
      return true;
    } catch (error) {
      o.log.warn({ source, range: name, err: error }, 'stream from a source failed; trying another replica');
    }
  }
  return false;
}
