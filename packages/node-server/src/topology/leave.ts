/**
 * The hand-over of a leave (service.ts invariant 2): push every range this
 * node holds that moves to each node gaining it, then hand its hints over.
 * The service runs them between recording `leaving` and announcing `left`.
 */
import { ringDiff, type RangeChange, type RingRange } from '@ringkv/hashring';
import { handOverHints, redirectHints } from './hints.js';
import { streamRetryMs } from './limits.js';
import type { TopologyOptions, TopologyRun } from './options.js';
import { rangeName } from './ranges.js';
import type { StreamStatus } from './status.js';
import { pushRange } from './streams.js';

/**
 * Pushes every range this node holds to each node gaining it, until the
 * ring diff has no (range, target) pair left undone. Rounds: every pair
 * whose target is live is tried once; pairs left (target down or failing)
 * wait `streamRetryMs` for the next round. A target that leaves the future
 * ring meanwhile (an operator removed it) drops out of the recomputed
 * diff, which names its ranges' new owners instead.
 */
export async function pushAllMoving(run: TopologyRun, stream: StreamStatus): Promise<void> {
  const { o } = run;
  const done = new Set<string>();
  while (!run.stopped()) {
    const view = o.cluster.view;
    const work: [RangeChange, string][] = [];
    for (const c of ringDiff(view.ring, view.future, o.n)) {
      if (!c.before.includes(o.id)) continue;
      for (const target of c.gained) if (!done.has(`${rangeName(c)}>${target}`)) work.push([c, target]);
    }
    if (work.length === 0) return;
    stream.rangesTotal = done.size + work.length;
    for (const [range, target] of work) {
      if (run.stopped()) return;
      if (!(await tryPush(run, range, target))) continue;
      done.add(`${rangeName(range)}>${target}`);
      stream.rangesDone = done.size;
    }
    if (done.size < stream.rangesTotal) await run.sleep(streamRetryMs);
  }
}

/** One attempt to push a range to a new owner; false when it is down, unknown or the push failed. */
async function tryPush(run: TopologyRun, range: RingRange, target: string): Promise<boolean> {
  const view = run.o.cluster.view;
  const address = view.addressOf(target);
  if (address === undefined || view.down.has(target)) return false;
  run.notePeer(target);
  try {
    await pushRange(run.ports(), address, range);
    return true;
  } catch (error) {
    run.o.log.warn({ target, err: error }, 'push to a new owner failed; retrying');
    return false;
  }
}

/**
 * Before it goes: replays the hints this node holds to their live targets,
 * and hands the hints of down targets to a node that stays (hints.ts).
 */
export async function handOffHints(o: TopologyOptions): Promise<void> {
  const view = o.cluster.view;
  for (const target of [...o.hints.countsByTarget().keys()]) {
    if (target === o.id) continue;
    if (!view.down.has(target)) await o.cluster.handoff.replay(target).catch(() => {});
    if ((o.hints.countsByTarget().get(target) ?? 0) === 0) continue;
    const moved = await handOverHints({ ...redirectPorts(o), future: () => view.future }, target).catch(() => 0);
    o.log.info({ target, moved }, 'handed hints for a down node to a node that stays');
  }
}

/** The ports hints.ts redirects and hands over hints with, over this node's view. */
export function redirectPorts(o: TopologyOptions): Parameters<typeof redirectHints>[0] {
  const view = o.cluster.view;
  return {
    selfId: o.id, n: o.n, ring: () => view.ring, down: () => view.down, addressOf: (m) => view.addressOf(m),
    hints: o.hints, store: o.store, call: (a, b, t) => o.peers.call(a, b, t),
  };
}
