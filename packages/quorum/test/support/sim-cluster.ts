/**
 * A simulated ringkv cluster for the quorum tests: K nodes on one
 * `@ringkv/sim` Simulation, each with a replica store (Map key → DvvSet), a
 * hint store, a Coordinator, a HintedHandoff and (optionally) a real Gossip
 * for liveness, all talking through the SimNetwork with quorum RPC messages
 * (apply/ack, fetch/reply).
 *
 * A node's data and hint store survive a kill (they stand for its disk); its
 * coordinator, handoff, gossip and pending calls do not. Ports handed to a
 * dead incarnation go silent, so a timer of a killed node cannot write to the
 * disk of its successor.
 */
import { HashRing } from '@ringkv/hashring';
import { Simulation, type LinkConfig } from '@ringkv/sim';
import { Gossip } from '@ringkv/gossip';
import { empty, sync, update, type DvvSet } from '@ringkv/vclock';
import {
  Coordinator,
  HintedHandoff,
  MemoryHintStore,
  type HintStore,
  type Key,
  type QuorumDefaults,
  type ReplicaClient,
} from '@ringkv/quorum';

type Message =
  | { readonly t: 'q.apply'; readonly id: number; readonly key: string; readonly set: DvvSet<string>; readonly hintFor?: string }
  | { readonly t: 'q.fetch'; readonly id: number; readonly key: string; readonly hintFor?: string }
  | { readonly t: 'q.ack'; readonly id: number }
  | { readonly t: 'q.reply'; readonly id: number; readonly set: DvvSet<string> | null };

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: unknown;
}

/** One incarnation of a node (from start to kill). */
export interface Incarnation {
  readonly generation: number;
  readonly coordinator: Coordinator<string>;
  readonly handoff: HintedHandoff<string>;
  readonly gossip: Gossip | undefined;
  readonly pending: Map<number, Pending>;
  alive: boolean;
}

export interface SimClusterOptions {
  readonly seed: number;
  readonly size: number;
  readonly link?: Partial<LinkConfig>;
  readonly defaults?: QuorumDefaults;
  /** Liveness from real gossip (default) or from the `oracleDown` set the test scripts. */
  readonly liveness?: 'gossip' | 'oracle';
  readonly vnodes?: number;
}

export class SimCluster {
  readonly sim: Simulation;
  readonly ring: HashRing;
  readonly ids: string[];
  readonly data = new Map<string, Map<string, DvvSet<string>>>();
  readonly hints = new Map<string, MemoryHintStore<string>>();
  readonly nodes = new Map<string, Incarnation>();
  /** The scripted down set of oracle liveness (every node sees the same). */
  readonly oracleDown = new Set<string>();
  private readonly generations = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly options: SimClusterOptions) {
    this.sim = new Simulation({ seed: options.seed, link: options.link ?? { latencyMs: 2, jitterMs: 8 } });
    this.ids = Array.from({ length: options.size }, (_, i) => `n${i}`);
    this.ring = HashRing.fromNodes(this.ids, { vnodes: options.vnodes ?? 16 });
    for (const id of this.ids) {
      this.data.set(id, new Map());
      this.hints.set(id, new MemoryHintStore());
    }
  }

  get clock() {
    return this.sim.clock;
  }

  step(): boolean {
    return this.sim.step();
  }

  startAll(): void {
    for (const id of this.ids) this.start(id);
  }

  /** Starts (or restarts) `id` with a new generation. */
  start(id: string): Incarnation {
    const generation = (this.generations.get(id) ?? 0) + 1;
    this.generations.set(id, generation);
    this.sim.network.up(id);
    const pending = new Map<number, Pending>();
    const self = { alive: true, generation };
    const gossip = this.options.liveness === 'oracle' ? undefined : this.startGossip(id, generation);
    const down = gossip === undefined ? () => this.oracleDown : () => downSet(gossip);
    const hints = this.guardedHints(id, self);
    const replicas = this.client(id, pending, self);
    const coordinator = new Coordinator<string>({
      nodeId: id,
      ring: () => this.ring,
      down,
      local: { update: (key, ctx, payload) => (self.alive ? Promise.resolve(this.localUpdate(id, key as string, (s) => update(s, ctx, id, payload))) : never()) },
      replicas,
      hints,
      clock: this.clock,
      defaults: this.options.defaults ?? {},
    });
    const handoff = new HintedHandoff<string>({ store: hints, replicas, clock: this.clock, down, sweepIntervalMs: 2_000, sendTimeoutMs: 2_000 });
    handoff.start();
    gossip?.on((e) => {
      if (e.type === 'up' || e.type === 'joined') void handoff.onUp(e.member.id);
    });
    this.sim.network.transport(id).onMessage((from, m) => this.onMessage(id, self, pending, from, m as Message));
    const node: Incarnation = Object.assign(self, { coordinator, handoff, gossip, pending });
    this.nodes.set(id, node);
    this.sim.record(`start ${id} g${generation}`);
    return node;
  }

  /** Crashes `id`: its incarnation goes silent; data and hints stay. */
  kill(id: string): void {
    const node = this.nodes.get(id);
    if (node === undefined || !node.alive) return;
    node.alive = false;
    node.handoff.stop();
    node.coordinator.stop();
    node.gossip?.stop();
    for (const p of node.pending.values()) this.clock.clearTimer(p.timer);
    node.pending.clear();
    this.sim.network.crash(id);
    this.sim.record(`kill ${id}`);
  }

  isAlive(id: string): boolean {
    return this.nodes.get(id)?.alive === true;
  }

  node(id: string): Incarnation {
    const node = this.nodes.get(id);
    if (node === undefined || !node.alive) throw new Error(`node ${id} is not running`);
    return node;
  }

  stored(id: string, key: string): DvvSet<string> {
    return this.data.get(id)?.get(key) ?? empty<string>();
  }

  async hintsPending(): Promise<number> {
    let total = 0;
    for (const store of this.hints.values()) total += await store.count();
    return total;
  }

  /** True when every running node's gossip sees every running node up and every killed one down. */
  livenessAgrees(): boolean {
    for (const node of this.nodes.values()) {
      if (!node.alive || node.gossip === undefined) continue;
      const down = downSet(node.gossip);
      for (const id of this.ids) if (id !== node.gossip.id && this.isAlive(id) === down.has(id)) return false;
    }
    return true;
  }

  private startGossip(id: string, generation: number): Gossip {
    const gossip = new Gossip({
      id,
      address: id,
      generation,
      seeds: this.ids.slice(0, 2),
      clock: this.clock,
      random: this.sim.fork(`gossip:${id}:${generation}`),
      transport: this.sim.network.transport(id),
      intervalMs: 200,
      suspectTimeoutMs: 1_000,
    });
    gossip.start();
    return gossip;
  }

  private localUpdate(id: string, key: string, f: (s: DvvSet<string>) => DvvSet<string>): DvvSet<string> {
    const store = this.data.get(id) as Map<string, DvvSet<string>>;
    const next = f(store.get(key) ?? empty<string>());
    store.set(key, next);
    return next;
  }

  private guardedHints(id: string, self: { alive: boolean }): HintStore<string> {
    const store = this.hints.get(id) as MemoryHintStore<string>;
    return {
      put: (t, k, s, at) => (self.alive ? store.put(t, k, s, at) : never()),
      list: (t, l, a) => (self.alive ? store.list(t, l, a) : never()),
      delete: (t, k, s) => (self.alive ? store.delete(t, k, s) : never()),
      targets: () => (self.alive ? store.targets() : never()),
      count: () => store.count(),
    };
  }

  private client(id: string, pending: Map<number, Pending>, self: { alive: boolean }): ReplicaClient<string> {
    const call = (to: string, message: { t: 'q.apply' | 'q.fetch'; key: string; set?: DvvSet<string>; hintFor?: string }, deadlineMs: number): Promise<unknown> => {
      if (!self.alive) return never();
      const reqId = this.nextId++;
      return new Promise((resolve, reject) => {
        const timer = this.clock.setTimer(Math.max(0, deadlineMs - this.clock.now()), () => {
          pending.delete(reqId);
          reject(new Error(`timeout calling ${to}`));
        });
        pending.set(reqId, { resolve, reject, timer });
        this.sim.network.transport(id).send(to, { ...message, id: reqId });
      });
    };
    return {
      apply: (to, key, set, o) => call(to, { t: 'q.apply', key: key as string, set, ...(o.hintFor === undefined ? {} : { hintFor: o.hintFor }) }, o.deadlineMs).then(() => undefined),
      fetch: (to, key, o) =>
        call(to, { t: 'q.fetch', key: key as string, ...(o.hintFor === undefined ? {} : { hintFor: o.hintFor }) }, o.deadlineMs).then((s) => (s ?? undefined) as DvvSet<string> | undefined),
    };
  }

  private onMessage(id: string, self: { alive: boolean }, pending: Map<number, Pending>, from: string, m: Message): void {
    if (!self.alive || typeof m !== 'object' || m === null || typeof m.t !== 'string' || !m.t.startsWith('q.')) return;
    const send = (reply: Message): void => this.sim.network.transport(id).send(from, reply);
    if (m.t === 'q.apply') void this.replicaApply(id, m.key, m.set, m.hintFor).then(() => self.alive && send({ t: 'q.ack', id: m.id }));
    else if (m.t === 'q.fetch') void this.replicaFetch(id, m.key, m.hintFor).then((set) => self.alive && send({ t: 'q.reply', id: m.id, set: set ?? null }));
    else {
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      this.clock.clearTimer(p.timer);
      p.resolve(m.t === 'q.reply' ? m.set : undefined);
    }
  }

  /** The replica side of `apply`: a hint for a down primary, or a sync into the data. */
  private async replicaApply(id: string, key: string, set: DvvSet<string>, hintFor: string | undefined): Promise<void> {
    if (hintFor !== undefined && hintFor !== id) await (this.hints.get(id) as MemoryHintStore<string>).put(hintFor, key, set, this.clock.now());
    else this.localUpdate(id, key, (s) => sync(s, set));
  }

  private async replicaFetch(id: string, key: Key, hintFor: string | undefined): Promise<DvvSet<string> | undefined> {
    if (hintFor !== undefined && hintFor !== id) return (this.hints.get(id) as MemoryHintStore<string>).peek(hintFor, key)?.set;
    return this.data.get(id)?.get(key as string);
  }
}

function downSet(gossip: Gossip): Set<string> {
  return new Set(gossip.snapshot().filter((m) => m.status === 'down').map((m) => m.id));
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
