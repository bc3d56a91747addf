/**
 * In-process anti-entropy nodes over fake peer ports: every call goes through
 * the real PeerCodec (encode, decode, validation) into the other node's
 * AntiEntropy.onCall, with in-memory engines and real ReplicaStores.
 */
import { HashRing } from '@ringkv/hashring';
import { PeerCodec, type PeerMessage } from '@ringkv/protocol';
import type { Clock } from '@ringkv/quorum';
import { AntiEntropy } from '../../src/anti-entropy/service.js';
import type { ExchangeCall } from '../../src/anti-entropy/exchange.js';
import { systemClock } from '../../src/cluster/system-clock.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { encodeSet } from '../../src/store/set-codec.js';
import { MemoryEngine } from '../support/memory-engine.js';

const codec = new PeerCodec();
let seq = 0;

/** One node of `aeCluster`. */
export interface TestNode {
  readonly id: string;
  readonly engine: MemoryEngine;
  readonly store: ReplicaStore;
  readonly ae: AntiEntropy;
  readonly data: Map<string, Uint8Array>;
  /** `ae.start()`: settles once the trees are built. */
  readonly started: Promise<void>;
}

/** A clock the test sets; zero-delay timers (build and sweep turns) run on the next macrotask, others never. */
export class TestClock implements Clock {
  nowMs = 0;
  now(): number {
    return this.nowMs;
  }
  setTimer(delayMs: number, fn: () => void): unknown {
    return delayMs === 0 ? setImmediate(fn) : undefined;
  }
  clearTimer(handle: unknown): void {
    if (handle !== undefined) clearImmediate(handle as NodeJS.Immediate);
  }
}

/** Options of `aeCluster`. */
export interface AeClusterOptions {
  /** Replicas per key (default: every node). */
  readonly n?: number;
  /** Disks by node id (default: empty ones). */
  readonly data?: Map<string, Map<string, Uint8Array>>;
  readonly bucketsLog2?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Keep the tombstone index with this grace period (default: not tracked). */
  readonly tombstoneGraceMs?: number;
  /** Nodes whose calls fail as if they were down. */
  readonly unreachable?: Set<string>;
  /** Index records a sweep judges per turn. */
  readonly sweepChunkKeys?: number;
  /** Keys a tree build scans per turn. */
  readonly buildChunkKeys?: number;
}

/** Nodes `ids` on one ring; calls are routed by address = id. */
export function aeCluster(ids: readonly string[], o: AeClusterOptions = {}): Map<string, TestNode> {
  const ring = ringOf(ids);
  const clock = o.clock ?? systemClock;
  const nodes = new Map<string, TestNode>();
  let callId = 1;
  const route = async (to: string, body: ExchangeCall): Promise<PeerMessage> => {
    if (o.unreachable?.has(to)) throw new Error(`${to} is unreachable`);
    const decoded = codec.decode(codec.encode({ ...body, id: callId++, timeoutMs: 1000 } as PeerMessage));
    if (!decoded.ok) throw decoded.error;
    const m = decoded.message;
    if (m.type !== 'tree-nodes' && m.type !== 'range-sets' && m.type !== 'key-sets' && m.type !== 'sync-sets') throw new Error(`not an exchange call: ${m.type}`);
    const reply = codec.decode(codec.encode(await (nodes.get(to) as TestNode).ae.onCall(m)));
    if (!reply.ok) throw reply.error;
    return reply.message;
  };
  for (const id of ids) {
    const map = o.data?.get(id) ?? new Map<string, Uint8Array>();
    const engine = new MemoryEngine(`ae-${seq++}`, map);
    const store = new ReplicaStore(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none', gather: (start: () => void) => start() });
    if (o.tombstoneGraceMs !== undefined) store.trackTombstones({ clock, generation: 1 });
    const ae = new AntiEntropy({
      selfId: id, n: o.n ?? ids.length, ring: () => ring, down: () => new Set(), addressOf: (x) => (ring.hasNode(x) ? x : undefined), engine, store,
      call: (address, body) => route(address, body), clock, random: { next: () => 0.5 }, intervalMs: 0, bytesPerSecond: 1 << 30,
      // No pacing: TestClock never fires a timer with a delay (tests move its time by hand).
      busyShareMax: 1,
      generation: 1, ...(o.bucketsLog2 === undefined ? {} : { bucketsLog2: o.bucketsLog2 }), ...(o.tombstoneGraceMs === undefined ? {} : { tombstoneGraceMs: o.tombstoneGraceMs }),
      ...(o.sweepChunkKeys === undefined ? {} : { sweepChunkKeys: o.sweepChunkKeys }),
      ...(o.buildChunkKeys === undefined ? {} : { buildChunkKeys: o.buildChunkKeys }),
    });
    store.observe(ae.observe);
    store.observeIntent(ae.intent);
    const started = ae.start();
    nodes.set(id, { id, engine, store, ae, data: map, started });
  }
  return nodes;
}

/** A ring of `ids` with 16 vnodes each. */
export function ringOf(ids: readonly string[]): HashRing {
  let ring = new HashRing({ vnodes: 16 });
  for (const id of ids) ring = ring.addNode(id);
  return ring;
}

/** Each key's stored set as hex (undefined: absent). */
export function setsOf(node: TestNode, keys: readonly string[]): (string | undefined)[] {
  return keys.map((k) => {
    const set = node.store.readSet(k);
    return set === undefined ? undefined : Buffer.from(encodeSet(set)).toString('hex');
  });
}

/** `group=root` of every tree of a node. */
export function roots(node: TestNode): string[] {
  return node.ae.trees.groups().map((g) => `${g}=${node.ae.trees.tree(g).root()}`);
}
