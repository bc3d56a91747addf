/**
 * The composition of a node's cluster side, free of sockets and HTTP: the
 * replica store and hint store over an engine, the cluster core (gossip,
 * ring, coordinator, handoff) and anti-entropy, wired to each other.
 *
 * `startNode` runs it on the real clock, ws peers and lsm-engine; a
 * whole-cluster simulation runs the same function on a simulated clock,
 * network and disk. Keeping one composition is what makes the simulation
 * test the production code.
 *
 * Invariants:
 *   1. Every write the store commits reaches the anti-entropy trees (write
 *      and intent hooks are installed before the core starts).
 *   2. Peer calls of every kind are served by the core; anti-entropy calls
 *      are routed to this node's AntiEntropy.
 *   3. `stop()` stops anti-entropy before the core: no pass outlives gossip.
 *   4. Topology changes (join, leave, remove, cleanup, plan) run here too, on
 *      the same injected clock and peer port, so a simulation runs them.
 */
import { replicationOf } from './cluster/settings.js';
import type { Random } from '@ringkv/gossip';
import { AntiEntropy } from './anti-entropy/service.js';
import { ClusterCore, type ClusterCoreOptions } from './cluster/core.js';
import { EngineHintStore } from './cluster/hint-store.js';
import {
  actorOf, freshEpoch, nextGenerationAfter, nextIncarnation, readGeneration, readIncarnation, readLogLoss, readMembersSeen, writeGeneration, writeIncarnation, writeLogLoss, writeMembersSeen,
  type Incarnation, type LogLossRecord,
} from './cluster/meta.js';
import type { AntiEntropySettings } from './options.js';
import { agreedValues, settingsLine } from './cluster/agreement.js';
import type { StorageEngine } from './store/engine-port.js';
import { logLossOf, type LogLoss } from './store/log-loss.js';
import { ReplicaStore, type StoreConfig } from './store/replica-store.js';
import type { TopologySettings } from './topology/options.js';
import { initialSelf } from './topology/progress.js';
import { TopologyService } from './topology/service.js';
import { streamBytesPerSecDefault } from './topology/limits.js';
import { keyBytesMax, logLossRepairRetryMs } from './limits.js';
import { KeyScanService } from './scan/service.js';
import { scanBytesPerSecDefault } from './scan/limits.js';

/** A node's durable state, opened from its engine. */
export interface NodeState {
  readonly store: ReplicaStore;
  readonly hints: EngineHintStore;
  /** This start's gossip generation (stored durably before it is returned). */
  readonly generation: number;
  /** The vclock actor of this node's writes in this incarnation (`id`, or `id#epoch`). */
  readonly actor: string;
  /** Records a clean stop, so the next start keeps this actor; call after the last write settled, before closing the engine. */
  markCleanStop(): Promise<void>;
  /** Writes the engine's log lost at this open (store/log-loss.ts), if any. */
  readonly logLoss: LogLoss | undefined;
  /** A repair of lost writes is pending (found at this open or at an earlier one and not yet completed). */
  readonly logLossRepair: LogLossRecord | undefined;
  /** Records that the repair completed (clears `m ‖ log-loss`). */
  markLogLossRepaired(): Promise<void>;
}

/**
 * Opens the replica store and hint store over `engine`, takes the next
 * generation and this start's incarnation (cluster/meta.ts: the vclock actor
 * is `store.actor`, the node id, kept after a clean stop and given a new
 * epoch after a crash or on a new or wiped directory), both stored durably
 * before it resolves.
 *
 * When to use: once per start of a node, after the engine is open; call
 * `state.markCleanStop()` after the last write settled at a graceful stop.
 * Gotcha: pass the node's clock and random: `nowMs` floors the generation
 * (seconds), so a data directory restored from an old backup still restarts
 * "newer", and both make a new incarnation's epoch unique (without
 * `random` the epoch is unique to the millisecond only).
 */
export async function openNodeState(engine: StorageEngine, store: StoreConfig, nowMs: number, random?: Random): Promise<NodeState> {
  const get = (key: Uint8Array): Uint8Array | undefined => engine.getSync(key);
  const generation = nextGenerationAfter(readGeneration(get), nowMs);
  const logLoss = logLossOf(engine.stats());
  const previous = readIncarnation(get);
  // Lost writes may have carried dots this actor already sent to other replicas: never reuse it then (meta.ts).
  const kept = logLoss !== undefined && previous !== undefined ? { epoch: previous.epoch, clean: false } : previous;
  const incarnation: Incarnation = nextIncarnation(kept, freshEpoch(nowMs, random?.next() ?? 0));
  const actor = actorOf(store.actor, incarnation.epoch);
  const replicaStore = new ReplicaStore(engine, { ...store, actor });
  await writeGeneration(replicaStore, generation);
  await writeIncarnation(replicaStore, incarnation);
  const logLossRepair = logLoss === undefined ? readLogLoss(get) : { sinceMs: nowMs, droppedOps: logLoss.droppedOps, droppedBytes: logLoss.droppedBytes };
  if (logLoss !== undefined) await writeLogLoss(replicaStore, logLossRepair);
  // Held before anything can read (log-loss.ts); `repairLostWrites` releases it.
  if (logLossRepair !== undefined) replicaStore.readHold.hold(logLossRepair.sinceMs);
  const hints = new EngineHintStore(engine, replicaStore);
  hints.open();
  return {
    store: replicaStore, hints, generation, actor, logLoss, logLossRepair,
    markLogLossRepaired: () => writeLogLoss(replicaStore, undefined),
    markCleanStop: async () => {
      await replicaStore.settled();
      await writeIncarnation(replicaStore, { epoch: incarnation.epoch, clean: true });
    },
  };
}

/**
 * What a node's cluster side is built from: its state, its settings and the
 * injected ports (id, address, settings, clock, random, gossip transport,
 * peer port, client codec and logger exactly as the cluster core takes them;
 * on a simulated network the address is any unique name).
 */
export interface NodeCoreParts extends Pick<ClusterCoreOptions, 'id' | 'address' | 'settings' | 'clock' | 'random' | 'transport' | 'peers' | 'codec' | 'log'> {
  readonly state: NodeState;
  readonly engine: StorageEngine;
  readonly antiEntropy: AntiEntropySettings;
  /** Join, streaming bandwidth and what to do once left (default: no join, 16 MiB/s, nothing). */
  readonly topology?: TopologySettings;
  /** Engine bytes per second key scans served here may read (default `scanBytesPerSecDefault`). */
  readonly scanBytesPerSec?: number;
}

/** A node's cluster side, composed (module comment). */
export interface NodeCore {
  readonly cluster: ClusterCore;
  readonly antiEntropy: AntiEntropy;
  readonly topology: TopologyService;
  /** Key listing: client scan pages and peer scan-range calls. */
  readonly scans: KeyScanService;
  /** Starts gossip, handoff and the anti-entropy tree build; the promise settles when the build is done. */
  start(): Promise<void>;
  /** Stops anti-entropy, then the cluster core. Idempotent. */
  stop(): void;
}

/**
 * Wires store, hints, cluster core and anti-entropy (module comment).
 *
 * When to use: `startNode` does; a simulation builds one per simulated node
 * with its own ports. Serve incoming peer calls with `core.cluster.onCall`.
 */
export function assembleNodeCore(p: NodeCoreParts): NodeCore {
  const { store, hints, generation } = p.state;
  // Before the cluster starts: every set write from now on keeps the tombstone index (tombstone-index.ts).
  store.trackTombstones({ clock: p.clock, generation });
  const topologySettings = p.topology ?? { join: false, streamBytesPerSec: streamBytesPerSecDefault };
  const cluster = new ClusterCore({
    id: p.id, address: p.address, generation, settings: p.settings, store, hints,
    clock: p.clock, random: p.random, transport: p.transport, peers: p.peers, codec: p.codec, log: p.log,
    initialStatus: initialSelf(p.engine, topologySettings),
    // A node given seeds counts them as members from the start: it must not take writes as a cluster of one before gossip answers.
    membersSeen: Math.max(readMembersSeen((key) => p.engine.getSync(key)), 1 + p.settings.seeds.filter((seed) => seed !== p.address).length),
    settingsLine: settingsLine(agreedValues(p.settings, p.antiEntropy)),
    onMembersSeen: (count) => void writeMembersSeen(store, count).catch((error: unknown) => p.log.warn({ err: error }, 'storing the members-seen mark failed')),
  });
  const antiEntropy = new AntiEntropy({
    selfId: p.id, n: replicationOf(p.settings), effectiveN: () => cluster.effectiveN(), ring: () => cluster.view.ring, down: () => cluster.view.down, addressOf: (id) => cluster.view.addressOf(id),
    engine: p.engine, store, call: (address, body, timeoutMs) => p.peers.call(address, body, timeoutMs), clock: p.clock, random: p.random,
    intervalMs: p.antiEntropy.intervalMs, bytesPerSecond: p.antiEntropy.bytesPerSecond, bucketsLog2: p.antiEntropy.bucketsLog2,
    tombstoneGraceMs: p.antiEntropy.tombstoneGraceMs, generation,
  });
  store.observe(antiEntropy.observe);
  store.observeIntent(antiEntropy.intent);
  cluster.serveAntiEntropy((call) => antiEntropy.onCall(call));
  cluster.onRingChange(() => antiEntropy.onRingChange());
  const topology = new TopologyService({
    id: p.id, n: replicationOf(p.settings), gossipIntervalMs: p.settings.gossipIntervalMs, engine: p.engine, store, hints, cluster, peers: p.peers,
    clock: p.clock, random: p.random, settings: topologySettings, repair: () => antiEntropy.repair(), log: p.log,
  });
  cluster.serveTopology((call) => topology.onCall(call));
  const scans = new KeyScanService({
    selfId: p.id, engine: p.engine, clock: p.clock, ring: () => cluster.view.ring, down: () => cluster.view.down, addressOf: (id) => cluster.view.addressOf(id),
    replication: () => replicationOf(p.settings), mode: p.settings.mode, requestTimeoutMs: p.settings.requestTimeoutMs, keyBytesMax,
    readLevel: (level) => cluster.readLevel(level), call: (address, body, timeoutMs) => p.peers.call(address, body, timeoutMs), bytesPerSec: p.scanBytesPerSec ?? scanBytesPerSecDefault,
  });
  cluster.serveKeyScans(scans);
  let stopped = false;
  return {
    cluster,
    antiEntropy,
    topology,
    scans,
    start() {
      cluster.start();
      topology.start();
      return antiEntropy.start().then(() => {
        void repairLostWrites(p, antiEntropy, () => stopped).catch((error: unknown) => p.log.error({ err: error }, 'log-loss repair stopped'));
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      topology.stop();
      scans.stop();
      antiEntropy.stop();
      cluster.stop();
    },
  };
}

/**
 * Repairs the writes the engine's log lost (store/log-loss.ts): full
 * anti-entropy passes, retried every `logLossRepairRetryMs` until one
 * exchanges with at least one peer and fails none; then clears the durable
 * record and releases the hold on this replica's reads. With N = 1 there is
 * no other copy: the loss is final, said at error level, and the hold goes.
 */
async function repairLostWrites(p: NodeCoreParts, antiEntropy: AntiEntropy, stopped: () => boolean): Promise<void> {
  const { state, log } = p;
  const pending = state.logLossRepair;
  if (pending === undefined) return;
  if (p.settings.n === 1) {
    log.error({ lost: pending }, 'writes lost from the log cannot be repaired: N = 1 keeps no other copy');
    await state.markLogLossRepaired().catch(() => {});
    state.store.readHold.release();
    return;
  }
  log.warn({ lost: pending }, 'repairing writes lost from the log; this replica refuses reads of its copies until done');
  while (!stopped()) {
    const summary = await antiEntropy.repair().catch((error: unknown) => {
      log.warn({ err: error }, 'log-loss repair pass failed');
      return undefined;
    });
    if (stopped()) return;
    if (summary !== undefined && summary.exchanges > 0 && summary.exchangesFailed === 0) {
      await state.markLogLossRepaired();
      state.store.readHold.release();
      log.info({ keysRepaired: summary.keysRepaired, exchanges: summary.exchanges }, 'writes lost from the log repaired; this replica serves reads again');
      return;
    }
    await new Promise<void>((resolve) => p.clock.setTimer(logLossRepairRetryMs, resolve));
  }
}
