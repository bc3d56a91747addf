/**
 * The simulated cluster: one `Simulation` (seed, clock, network, trace),
 * N `SimNode`s, M `SimClient`s, and the loop that moves simulated time while
 * letting the nodes' promise chains (engine writes, coordinator replies) run.
 *
 * Concurrency model: the node code is asynchronous (promises); the sim clock
 * is synchronous. The loop fires every timer due at the next instant, then
 * awaits one `turn` (a macrotask, injected: src/ may not touch real timers),
 * which runs every microtask those timers started before time moves again.
 * With no real I/O anywhere, the order of everything is fixed by the seed.
 *
 * Invariants:
 *   1. Time moves only inside `runUntil`/`runFor`; between two instants the
 *      microtask queue is drained.
 *   2. A run never exceeds `runMsMax` of simulated time (`stuck` otherwise).
 */
import type { AntiEntropySettings, ClusterSettings, NodeLogger } from '@ringkv/node-server';
import { WireCodec } from '@ringkv/protocol';
import { pino } from 'pino';
import { defaultLink, Simulation, type LinkConfig } from '@ringkv/sim';
import { SimClient } from './client.js';
import { ClusterSimError } from './errors.js';
import { clientTimeoutMs, runMsMax } from './limits.js';
import { SimNode, type NodeConfig } from './sim-node.js';

/** One macrotask turn: `() => new Promise((r) => setImmediate(r))` from a test or the CLI. */
export type Turn = () => Promise<void>;

/** How a cluster is built. */
export interface ClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly clients: number;
  readonly turn: Turn;
  /** Overrides of the cluster settings (`clusterSettings` defaults). */
  readonly settings?: Partial<ClusterSettings>;
  readonly antiEntropy?: Partial<AntiEntropySettings>;
  /** The healthy link (latency, jitter). */
  readonly link?: Partial<LinkConfig>;
  /** lsm-engine tombstone grace on every node. */
  readonly tombstoneGraceMs?: number;
  /** The last `joiners` nodes are not started by `start`: a test joins them later. Default 0. */
  readonly joiners?: number;
  /**
   * Data centers (default 0 or 1: one DC, no labels). With D ≥ 2, node i and
   * client i are in `dc${i mod D + 1}`, each node on a machine of its own, the
   * replication map gives each DC `replicasPerDc` replicas (R = W = 2), and
   * links between endpoints of different DCs take `wan` on top of the
   * healthy link (`dcLayout`).
   */
  readonly dcs?: number;
  /** A WAN link between DCs: latency and jitter (default `wanLink`). */
  readonly wan?: Partial<LinkConfig>;
}

/** The silent logger of every simulated node (the trace is the record). */
const silent: NodeLogger = pino({ level: 'silent', timestamp: false });

/**
 * The cluster settings of a run: N = 3, R = W = 2, sloppy, fast gossip, small
 * rings, and a hint TTL (and tombstone grace) of 2 s, so hints expire and
 * tombstones are collected within a seed.
 */
export function clusterSettings(ids: readonly string[], over: Partial<ClusterSettings> = {}): ClusterSettings {
  return {
    n: 3, replicas: over.n ?? 3, r: 2, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 8, weight: 1, zone: '', dc: '', machine: '', gossipIntervalMs: 250,
    hintTtlMs: 2_000, seeds: ids.slice(0, 2), clusterName: 'sim', ...over,
  };
}

/** The healthy link of a run. */
export const baseLink: Partial<LinkConfig> = { latencyMs: 1, jitterMs: 4 };

/** A WAN link between DCs: 20 ms one way, up to 5 ms of jitter. */
export const wanLink: Pick<LinkConfig, 'latencyMs' | 'jitterMs'> = { latencyMs: 20, jitterMs: 5 };

/** The healthy link inside a DC of a multi-DC run: 0.2 to 1 ms. */
export const dcLink: Partial<LinkConfig> = { latencyMs: 0.2, jitterMs: 0.8 };

/** Replicas per DC in a multi-DC run (a DC satisfies R = W = 2 alone). */
export const replicasPerDc = 2;

/** The DC of node or client number `i` (0-based) among `dcs` DCs. */
export function dcOfIndex(i: number, dcs: number): string {
  return `dc${(i % dcs) + 1}`;
}

/**
 * The cluster settings of a multi-DC run of `nodes` nodes over `dcs` DCs:
 * `replicasPerDc` in every DC (every DC needs that many nodes), R = W = 2.
 */
export function dcSettings(nodes: number, dcs: number): Partial<ClusterSettings> {
  const perDc = Math.floor(nodes / dcs);
  if (dcs < 2 || perDc < replicasPerDc) throw new ClusterSimError('invalid-argument', `${dcs} DCs need at least ${replicasPerDc * Math.max(2, dcs)} nodes, got ${nodes}`);
  const replicas = Object.fromEntries(Array.from({ length: dcs }, (_, d) => [dcOfIndex(d, dcs), replicasPerDc]));
  return { n: replicasPerDc * dcs, replicas };
}

/** A simulated cluster (module comment). */
export class SimCluster {
  readonly sim: Simulation;
  readonly nodes: SimNode[];
  readonly clients: SimClient[];
  readonly settings: ClusterSettings;
  /** DC of every node and client (empty in a one-DC run). */
  readonly dcOf: ReadonlyMap<string, string>;
  private readonly turn: Turn;

  constructor(readonly options: ClusterOptions) {
    const dcs = options.dcs ?? 0;
    this.sim = new Simulation({ seed: options.seed, link: this.healthyLink(), traceKeptLines: 400 });
    const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
    this.settings = clusterSettings(ids, { ...(dcs >= 2 ? dcSettings(options.nodes, dcs) : {}), ...options.settings });
    const config: NodeConfig = {
      settings: this.settings,
      antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 26, bucketsLog2: 8, tombstoneGraceMs: 2_000, ...options.antiEntropy },
      codec: new WireCodec(), log: silent, memtableBytes: 64 * 1024, siblingsMax: 64, setBytesMax: 1 << 20,
      tombstoneGraceMs: options.tombstoneGraceMs ?? 0,
    };
    const clientIds = Array.from({ length: options.clients }, (_, i) => `c${i + 1}`);
    this.dcOf = new Map(dcs >= 2 ? [...ids.map((id, i) => [id, dcOfIndex(i, dcs)] as const), ...clientIds.map((id, i) => [id, dcOfIndex(i, dcs)] as const)] : []);
    this.nodes = ids.map((id) => new SimNode(id, this.sim, this.dcOf.has(id) ? { ...config, settings: { ...config.settings, dc: this.dcOf.get(id) as string, machine: id } } : config));
    this.clients = clientIds.map((id) => new SimClient(id, this.sim, clientTimeoutMs));
    this.turn = options.turn;
    this.setLinks(this.healthyLink());
  }

  /** The healthy link of this run (inside a DC when there are DCs). */
  healthyLink(): Partial<LinkConfig> {
    return { ...baseLink, ...((this.options.dcs ?? 0) >= 2 ? dcLink : {}), ...this.options.link };
  }

  /**
   * Makes `link` every link's behaviour: the default link, and between
   * endpoints of different DCs the same with the WAN's latency and jitter
   * added (a burst of loss or delay reaches the WAN links too).
   */
  setLinks(link: Partial<LinkConfig>): void {
    const net = this.sim.network;
    const base: LinkConfig = { ...defaultLink, ...link };
    net.resetLinks();
    net.setDefaultLink(base);
    if (this.dcOf.size === 0) return;
    const wan = { ...wanLink, ...this.options.wan };
    const across = { latencyMs: base.latencyMs + wan.latencyMs, jitterMs: base.jitterMs + wan.jitterMs };
    for (const [a, da] of this.dcOf) for (const [b, db] of this.dcOf) if (da !== db) net.setLink(a, b, across);
  }

  /** The node ids a client sends to: its own DC's nodes (all nodes in a one-DC run). */
  nodesNear(client: string): string[] {
    const dc = this.dcOf.get(client);
    return dc === undefined ? this.ids : this.ids.filter((id) => this.dcOf.get(id) === dc);
  }

  /** Endpoints (nodes, then clients) of each DC, in DC order; empty in a one-DC run. */
  dcGroups(): string[][] {
    const groups = new Map<string, string[]>();
    for (const [id, dc] of this.dcOf) {
      let g = groups.get(dc);
      if (g === undefined) groups.set(dc, (g = []));
      g.push(id);
    }
    return [...groups.keys()].sort().map((dc) => groups.get(dc) as string[]);
  }

  /** Node ids. */
  get ids(): string[] {
    return this.nodes.map((n) => n.id);
  }

  /** The node with this id. */
  node(id: string): SimNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new ClusterSimError('invalid-argument', `no node ${id}`);
    return node;
  }

  /** Starts every node and runs until each sees all of them in its ring, none down. */
  async start(): Promise<boolean> {
    const first = this.nodes.slice(0, this.nodes.length - (this.options.joiners ?? 0));
    await this.drive(Promise.all(first.map((n) => n.start())), 20_000);
    return this.runUntil(() => this.allSeeAllUp(), 20_000);
  }

  /** The running nodes (not killed, not left, started). */
  running(): SimNode[] {
    return this.nodes.filter((n) => n.isUp);
  }

  /**
   * Runs the simulation until `work` settles (it may wait on simulated
   * timers: an engine opening, a repair pass) or `ms` passed; rethrows its
   * rejection. Throws `stuck` when it did not settle in time.
   */
  async drive<T>(work: Promise<T>, ms: number): Promise<T> {
    let settled = false;
    const watched = work.finally(() => (settled = true));
    if (!(await this.runUntil(() => settled, ms))) throw new ClusterSimError('stuck', `work did not settle within ${ms} ms of simulated time (seed ${this.options.seed})`);
    return watched;
  }

  /** True when every running node's ring holds every node and its down set is empty. */
  allSeeAllUp(): boolean {
    const up = this.running();
    return up.every((n) => n.core.cluster.view.ring.size === up.length && n.core.cluster.view.down.size === 0);
  }

  /** A promise that settles after `ms` of sim time (a client's think time). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sim.clock.setTimer(ms, resolve, 'sleep'));
  }

  /** Runs for `ms` of simulated time. */
  async runFor(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /**
   * Runs until `done()` holds (checked after each instant) or `ms` of sim
   * time passed; true when `done` held. Invariant 1.
   */
  async runUntil(done: () => boolean, ms: number): Promise<boolean> {
    const clock = this.sim.clock;
    const endMs = clock.now() + ms;
    if (endMs > runMsMax) throw new ClusterSimError('stuck', `the run passed ${runMsMax} ms of simulated time (seed ${this.options.seed})`);
    await this.turn();
    for (;;) {
      if (done()) return true;
      const due = clock.nextDueMs();
      if (due === undefined || due > endMs) {
        clock.advance(Math.max(0, endMs - clock.now()));
        await this.turn();
        return done();
      }
      clock.advance(Math.max(0, due - clock.now()));
      await this.turn();
    }
  }

  /** Stops every node (end of a run). */
  stop(): void {
    for (const node of this.nodes) node.stop();
  }
}
