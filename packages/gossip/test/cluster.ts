/**
 * A gossip cluster under `@ringkv/sim`, shared by the tests and the benchmark.
 *
 * Nodes are `n0`, `n1`, …; the first `seedCount` are the seeds of everyone.
 * A node's address is its id. Every node's randomness is forked from the
 * simulation seed by node id and generation, so a run replays from its seed.
 */
import { Simulation, type LinkConfig } from '@ringkv/sim';
import { Gossip, type GossipEvent, type GossipOptions, type MemberStatus } from '@ringkv/gossip';

/** Tunables a test may override for every node (or one). */
export type NodeSettings = Partial<Omit<GossipOptions, 'id' | 'address' | 'generation' | 'clock' | 'random' | 'transport'>>;

export interface ClusterOptions {
  readonly seed: number;
  readonly size: number;
  readonly seedCount?: number;
  readonly link?: Partial<LinkConfig>;
  readonly settings?: NodeSettings;
}

/** One recorded event. */
export interface Recorded {
  readonly atMs: number;
  readonly node: string;
  readonly event: GossipEvent;
}

export class Cluster {
  readonly sim: Simulation;
  readonly events: Recorded[] = [];
  private readonly nodes = new Map<string, Gossip>();
  private readonly generations = new Map<string, number>();
  private readonly seeds: string[];

  constructor(private readonly options: ClusterOptions) {
    this.sim = new Simulation({ seed: options.seed, link: options.link ?? { latencyMs: 2, jitterMs: 8 } });
    this.seeds = Array.from({ length: options.seedCount ?? 3 }, (_, i) => `n${i}`);
  }

  /** Ids n0 … n(size-1). */
  ids(): string[] {
    return Array.from({ length: this.options.size }, (_, i) => `n${i}`);
  }

  /** Starts every node of `ids` (default all) at the current time. */
  startAll(ids = this.ids()): void {
    for (const id of ids) this.start(id);
  }

  /** Starts node `id` with the next generation (1 on first start). */
  start(id: string, settings: NodeSettings = {}): Gossip {
    const generation = (this.generations.get(id) ?? 0) + 1;
    this.generations.set(id, generation);
    this.sim.network.up(id);
    const node = new Gossip({
      id,
      address: id,
      generation,
      seeds: this.seeds,
      clock: this.sim.clock,
      random: this.sim.fork(`node:${id}:${generation}`),
      transport: this.sim.network.transport(id),
      ...this.options.settings,
      ...settings,
    });
    node.on((event) => this.events.push({ atMs: this.sim.clock.now(), node: id, event }));
    node.start();
    this.nodes.set(id, node);
    this.sim.record(`start ${id} g${generation}`);
    return node;
  }

  /** Crashes node `id`: stops its gossip and takes it off the network. */
  kill(id: string): void {
    this.node(id).stop();
    this.sim.network.crash(id);
    this.sim.record(`kill ${id}`);
  }

  node(id: string): Gossip {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** The nodes whose gossip is running. */
  running(): Gossip[] {
    return [...this.nodes.values()].filter((n) => n.isRunning());
  }

  /** How `observer` judges `subject` (undefined if unknown there). */
  statusAt(observer: string, subject: string): MemberStatus | undefined {
    return this.node(observer).member(subject)?.status;
  }

  /** True when every running node sees exactly the same members, generations and statuses. */
  sameView(): boolean {
    const running = this.running();
    const first = running[0];
    if (first === undefined) return true;
    const key = (g: Gossip): string => g.snapshot().map((m) => `${m.id}/${m.generation}/${m.status}`).join(',');
    const reference = key(first);
    return running.every((g) => key(g) === reference);
  }

  /** True when every running node lists all `ids` as `normal` (and nothing else). */
  converged(ids = this.ids()): boolean {
    const expected = ids.slice().sort().join(',');
    return this.running().every((g) => {
      const snap = g.snapshot();
      return snap.every((m) => m.status === 'normal') && snap.map((m) => m.id).join(',') === expected;
    });
  }

  /** Advances in `stepMs` slices until `done()` or `limitMs` elapse; returns the elapsed ms, or undefined on timeout. */
  runUntil(done: () => boolean, limitMs: number, stepMs = 100): number | undefined {
    const start = this.sim.clock.now();
    while (this.sim.clock.now() - start <= limitMs) {
      if (done()) return this.sim.clock.now() - start;
      this.sim.advance(stepMs);
    }
    return undefined;
  }

  /** Events of `type` recorded since `sinceMs`, optionally about one member. */
  eventsOf(type: GossipEvent['type'], sinceMs = 0, about?: string): Recorded[] {
    return this.events.filter(
      (r) => r.event.type === type && r.atMs >= sinceMs && (about === undefined || ('member' in r.event && r.event.member.id === about)),
    );
  }
}

/** The convergence experiment: `size` nodes start together and join through 3 seeds; rounds until all see the same full view. */
export function roundsToConverge(seed: number, size: number, intervalMs = 1_000): number | undefined {
  const cluster = new Cluster({ seed, size });
  cluster.startAll();
  const elapsed = cluster.runUntil(() => cluster.converged(), 120_000);
  return elapsed === undefined ? undefined : elapsed / intervalMs;
}

/** The bytes experiment: after convergence and a warm-up, mean bytes sent per node per round over `rounds` rounds. */
export function bytesPerNodePerRound(seed: number, size: number, rounds = 20): { bytes: number; messages: number } {
  const cluster = new Cluster({ seed, size });
  cluster.startAll();
  cluster.runUntil(() => cluster.converged(), 120_000);
  cluster.sim.advance(5_000);
  cluster.sim.network.resetStats();
  cluster.sim.advance(rounds * 1_000);
  const totals = cluster.sim.network.totals();
  return { bytes: totals.sentBytes / size / rounds, messages: totals.sentMessages / size / rounds };
}

/**
 * The dissemination experiment: after convergence, rounds until an update made
 * by one node is seen by all, averaged over `updates` updates from different
 * origins at different phases of their rounds.
 */
export function spreadRounds(seed: number, size: number, updates = 5, intervalMs = 1_000): number | undefined {
  const cluster = new Cluster({ seed, size });
  cluster.startAll();
  cluster.runUntil(() => cluster.converged(), 120_000);
  let total = 0;
  for (let u = 0; u < updates; u++) {
    cluster.sim.advance(1_000 + 137 * u);
    const origin = cluster.node(`n${size - 1 - u}`);
    origin.update({ zone: `moved-${u}` });
    const elapsed = cluster.runUntil(() => cluster.running().every((g) => g.member(origin.id)?.zone === `moved-${u}`), 60_000, 50);
    if (elapsed === undefined) return undefined;
    total += elapsed;
  }
  return total / updates / intervalMs;
}

/** The noise experiment: a converged cluster on a jittery, lossy network with no failure; suspicions and downs per node-hour. */
export function falseSuspicions(
  seed: number,
  size: number,
  durationMs: number,
  link: { jitterMs: number; lossRate: number },
  settings: NodeSettings = {},
): { suspicionsPerNodeHour: number; downs: number; nodeHours: number } {
  const cluster = new Cluster({ seed, size, link: { latencyMs: 5, ...link }, settings });
  cluster.startAll();
  cluster.runUntil(() => cluster.converged(), 120_000);
  cluster.sim.advance(10_000);
  const t0 = cluster.sim.clock.now();
  cluster.sim.advance(durationMs);
  const nodeHours = (size * durationMs) / 3_600_000;
  return {
    suspicionsPerNodeHour: cluster.eventsOf('suspect', t0).length / nodeHours,
    downs: cluster.eventsOf('down', t0).length,
    nodeHours,
  };
}

/** The detection experiment: after convergence, ms from a crash until every live node declares it down. */
export function detectionMs(seed: number, size: number): number | undefined {
  const cluster = new Cluster({ seed, size });
  cluster.startAll();
  cluster.runUntil(() => cluster.converged(), 120_000);
  cluster.sim.advance(5_000);
  const victim = `n${size - 1}`;
  cluster.kill(victim);
  const others = cluster.ids().filter((id) => id !== victim);
  return cluster.runUntil(() => others.every((o) => cluster.statusAt(o, victim) === 'down'), 60_000, 50);
}
