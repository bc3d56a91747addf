/**
 * Applies and heals the faults of a schedule on a running chaos cluster.
 *
 * Invariants:
 *   1. `heal(e)` undoes exactly what `apply(e)` did: the killed node restarts
 *      on its data directory, the paused one continues, table rules clear
 *      (network faults are serial, so the table holds only this fault's
 *      rules; process faults, which may overlap them, never touch it).
 *   2. A node that fails to restart is recorded (`restartFailures`), not
 *      thrown: the final heal tries again, and the report shows it.
 *   3. A wiped node is healed the way the operations guide says a replaced
 *      disk is: restart, wait until the members agree, then a repair pass on
 *      every node, before the next fault. N = 3 with W = 2 survives one lost
 *      disk, not two lost before the data was copied again; the guide's
 *      procedure is what makes a later wipe a fault the cluster must survive.
 */
import { membersAgree, type ChaosCluster } from './cluster.js';
import { repairRound, waitFor } from './converge.js';
import { clientEndpoint } from './faults.js';
import * as L from './limits.js';
import type { FaultEvent } from './schedule.js';

/** Drives faults on one cluster and remembers what went wrong doing so. */
export class Nemesis {
  readonly restartFailures: string[] = [];
  /** Connections reset by cuts (instantaneous cuts and partitions that reset open connections). */
  connectionsCut = 0;
  /** The repair rounds run after wipes (invariant 3): keys repaired and nodes that could not run theirs. */
  readonly wipeRepairs: { keysRepaired: number; errors: number }[] = [];
  private flipTimer: NodeJS.Timeout | undefined;

  constructor(private readonly cluster: ChaosCluster) {}

  /** Starts fault `e`. */
  async apply(e: FaultEvent): Promise<void> {
    const c = this.cluster;
    const target = e.nodes[0] as string;
    switch (e.kind) {
      case 'kill':
        await c.bankCounters(target);
        return c.node(target).kill();
      case 'wipe':
        await c.bankCounters(target);
        await c.node(target).kill();
        return c.node(target).wipe();
      case 'pause':
        return c.node(target).pause();
      case 'restart':
        // Back at once: the hold is the time under load after the restart, every node up.
        await c.bankCounters(target);
        await c.node(target).stop();
        return c.node(target).start().catch((error: unknown) => void this.restartFailures.push(`${target}: ${(error as Error).message}`));
      case 'disk-full':
        c.node(target).disk?.fill();
        return;
      case 'partition-halves':
      case 'isolate':
      case 'bridge':
        c.table.partition([e.nodes, e.others]);
        if (e.clientsFlip === true) this.flipClients(e, 0);
        break;
      case 'one-way':
        c.table.block(e.nodes, e.others);
        break;
      case 'delay': {
        const rest = [...c.ids.filter((id) => id !== target), clientEndpoint];
        c.table.delay([target], rest, e.delayMs ?? 0);
        c.table.delay(rest, [target], e.delayMs ?? 0);
        return;
      }
      case 'cut':
        this.connectionsCut += c.cutNode(target);
        return;
      case 'isolate-clients':
        c.table.partition([[target], [clientEndpoint]]);
        return;
    }
    if (e.cutOpen === true) this.connectionsCut += c.cutBlocked();
  }

  /** Clients reach only `side` of the partition now, and the other side after `clientFlipMs`. */
  private flipClients(e: FaultEvent, side: 0 | 1): void {
    this.cluster.table.batch(() => {
      this.cluster.table.heal();
      this.cluster.table.partition([e.nodes, e.others]);
      this.cluster.table.partition([[clientEndpoint], side === 0 ? e.others : e.nodes]);
    });
    this.flipTimer = setTimeout(() => this.flipClients(e, side === 0 ? 1 : 0), L.clientFlipMs);
  }

  /** Ends fault `e` (invariant 1). */
  async heal(e: FaultEvent): Promise<void> {
    clearTimeout(this.flipTimer);
    this.flipTimer = undefined;
    const target = this.cluster.node(e.nodes[0] as string);
    if (e.kind === 'kill' || e.kind === 'wipe') {
      await target.start().catch((error: unknown) => this.restartFailures.push(`${target.spec.id}: ${(error as Error).message}`));
      if (e.kind === 'wipe') await this.repairAfterWipe();
    } else if (e.kind === 'pause') {
      target.resume();
    } else if (e.kind === 'disk-full') {
      target.disk?.free();
    } else if (e.kind !== 'cut' && e.kind !== 'restart') {
      this.cluster.table.heal();
    }
  }

  /** Invariant 3: the operator's procedure after a lost disk. */
  private async repairAfterWipe(): Promise<void> {
    const c = this.cluster;
    await waitFor(async () => membersAgree(await c.statuses(), c.ids), L.convergeTimeoutMs);
    const round = await repairRound(c);
    this.wipeRepairs.push({ keysRepaired: round.keysRepaired, errors: round.errors.length });
  }

  /** Stops the client flipping of a partition still in force (teardown of an aborted run). */
  dispose(): void {
    clearTimeout(this.flipTimer);
    this.flipTimer = undefined;
  }

  /** Heals everything: no table rule, every node running and continued. */
  async healAll(): Promise<void> {
    this.dispose();
    this.cluster.table.heal();
    for (const n of this.cluster.nodes) {
      n.resume();
      n.disk?.free();
    }
    for (const n of this.cluster.nodes) {
      if (!n.running) await n.start().catch((error: unknown) => this.restartFailures.push(`${n.spec.id}: ${(error as Error).message}`));
    }
  }
}
