/**
 * A scripted cluster for unit tests: no network, each replica's behaviour
 * (ack, error, hang) and delay set by the test, every call recorded.
 */
import { HashRing, type NodeSpec, type ReplicationMap } from '@ringkv/hashring';
import { SimClock } from '@ringkv/sim';
import { empty, sync, update, type DvvSet } from '@ringkv/vclock';
import { Coordinator, MemoryHintStore, type Key, type QuorumDefaults, type ReplicaClient } from '@ringkv/quorum';

export type Behaviour = 'ack' | 'error' | 'hang';

export interface Call {
  readonly op: 'apply' | 'fetch';
  readonly node: string;
  readonly key: Key;
  readonly hintFor?: string;
  readonly hintStampMs?: number;
}

export class FakeCluster {
  readonly clock = new SimClock();
  readonly ring: HashRing;
  readonly data = new Map<string, Map<string, DvvSet<string>>>();
  /** Hints held by fallbacks (replica side), and by coordinators (coordinator side): one store per node, as on a real node. */
  readonly hints = new Map<string, MemoryHintStore<string>>();
  readonly behaviour = new Map<string, Behaviour>();
  readonly delayMs = new Map<string, number>();
  readonly calls: Call[] = [];
  down = new Set<string>();
  inFlight = 0;
  inFlightPeak = 0;
  appliesInFlight = 0;
  appliesInFlightPeak = 0;

  readonly ids: readonly string[];

  /** Nodes by id, or by spec (with a `dc` for multi-DC tests). */
  constructor(nodes: readonly (string | NodeSpec)[]) {
    this.ids = nodes.map((n) => (typeof n === 'string' ? n : n.id));
    this.ring = HashRing.fromNodes([...nodes], { vnodes: 32 });
    for (const id of this.ids) {
      this.data.set(id, new Map());
      this.hints.set(id, new MemoryHintStore());
    }
  }

  /** A world `drive.ts` can step. */
  step(): boolean {
    return this.clock.step();
  }

  stored(node: string, key: string): DvvSet<string> {
    return this.data.get(node)?.get(key) ?? empty<string>();
  }

  setStored(node: string, key: string, set: DvvSet<string>): void {
    (this.data.get(node) as Map<string, DvvSet<string>>).set(key, set);
  }

  coordinator(
    nodeId: string,
    defaults: QuorumDefaults = {},
    extra: { readRepairsInFlightMax?: number; readRepairQueueMax?: number; replicationMap?: ReplicationMap; readRepair?: 'local' | 'global' } = {},
  ): Coordinator<string> {
    return new Coordinator<string>({
      nodeId,
      ring: () => this.ring,
      down: () => this.down,
      local: {
        update: async (key, context, payload) => {
          const set = update(this.stored(nodeId, key as string), context, nodeId, payload);
          this.setStored(nodeId, key as string, set);
          return set;
        },
      },
      replicas: this.client(),
      hints: this.hints.get(nodeId) as MemoryHintStore<string>,
      clock: this.clock,
      defaults,
      ...extra,
    });
  }

  client(): ReplicaClient<string> {
    return {
      apply: (node, key, set, options) =>
        this.call({ op: 'apply', node, key, ...(options.hintFor === undefined ? {} : { hintFor: options.hintFor }), ...(options.hintStampMs === undefined ? {} : { hintStampMs: options.hintStampMs }) }, async () => {
          if (options.hintFor !== undefined) await (this.hints.get(node) as MemoryHintStore<string>).put(options.hintFor, key, set, this.clock.now());
          else this.setStored(node, key as string, sync(this.stored(node, key as string), set));
        }),
      fetch: (node, key, options) =>
        this.call({ op: 'fetch', node, key, ...(options.hintFor === undefined ? {} : { hintFor: options.hintFor }) }, async () => {
          if (options.hintFor !== undefined) return (this.hints.get(node) as MemoryHintStore<string>).peek(options.hintFor, key)?.set;
          return this.data.get(node)?.get(key as string);
        }),
    };
  }

  /** The primaries of `key` (N = 3 unless given). */
  preference(key: string, n: number | ReplicationMap = 3): string[] {
    return this.ring.preferenceList(key, n);
  }

  private call<T>(call: Call, run: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    const behaviour = this.behaviour.get(call.node) ?? 'ack';
    if (behaviour === 'hang') return new Promise<T>(() => undefined);
    const isApply = call.op === 'apply';
    this.inFlight++;
    this.inFlightPeak = Math.max(this.inFlightPeak, this.inFlight);
    if (isApply) this.appliesInFlightPeak = Math.max(this.appliesInFlightPeak, ++this.appliesInFlight);
    return new Promise<T>((resolve, reject) => {
      this.clock.setTimer(this.delayMs.get(call.node) ?? 1, () => {
        this.inFlight--;
        if (isApply) this.appliesInFlight--;
        if (behaviour === 'error') reject(new Error(`${call.node} refused`));
        else run().then(resolve, reject);
      });
    });
  }
}
