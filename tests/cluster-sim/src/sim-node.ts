/**
 * One simulated ringkv node: the production composition (`openNodeState` +
 * `assembleNodeCore` of @ringkv/node-server) on the real lsm-engine over a
 * fault-injecting in-memory disk, a per-node clock and one network endpoint.
 *
 * Lifecycle: `start` → (`pause`/`resume`, clock jumps)* → `kill` →
 * `restart` (same disk, what was synced survives) or `wipe` + `restart`
 * (a fresh disk, the same id) → …
 *
 * Invariants:
 *   1. Each start is a new generation: a new NodeClock, endpoint, engine,
 *      state (openNodeState takes the next gossip generation) and core; the
 *      previous generation can never run again (its clock and endpoint are
 *      killed, its disk handles are dead after the power cut).
 *   2. A kill cuts the disk's power first and then builds the surviving
 *      image (FaultVfs.crash): writes acknowledged under `sync` durability
 *      survive, unsynced ones may not.
 *   3. The node's random stream is forked per (id, start count), so adding a
 *      restart never shifts what other nodes draw.
 */
import { FaultVfs, openEngine, type CrashMode } from '@ringkv/lsm-engine';
import {
  assembleNodeCore,
  limits as serverLimits,
  openNodeState,
  type AntiEntropySettings,
  type ClusterOp,
  type ClusterSettings,
  type NodeCore,
  type NodeLogger,
  type NodeState,
  type StorageEngine,
  type TopologySettings,
} from '@ringkv/node-server';
import type { PeerCall, WireCodec } from '@ringkv/protocol';
import type { Simulation } from '@ringkv/sim';
import { NodeEndpoint } from './endpoint.js';
import { NodeClock } from './node-clock.js';

/** What a node did, summed over its generations (reports show that the faults exercised the paths). */
export interface Activity {
  hintsStored: number;
  hintsReplayed: number;
  hintsExpired: number;
  readRepairs: number;
  aeKeysRepaired: number;
  tombstonesCollected: number;
  flushes: number;
  compactions: number;
}

/** Zero activity. */
export function zeroActivity(): Activity {
  return { hintsStored: 0, hintsReplayed: 0, hintsExpired: 0, readRepairs: 0, aeKeysRepaired: 0, tombstonesCollected: 0, flushes: 0, compactions: 0 };
}

/** Adds `b` into `a`. */
export function addActivity(a: Activity, b: Activity): void {
  for (const k of Object.keys(a) as (keyof Activity)[]) a[k] += b[k];
}

/** What every node of a run shares. */
export interface NodeConfig {
  readonly settings: ClusterSettings;
  readonly antiEntropy: AntiEntropySettings;
  readonly codec: WireCodec;
  readonly log: NodeLogger;
  /** Engine memtable size: small, so flushes and compactions happen within a seed. */
  readonly memtableBytes: number;
  readonly siblingsMax: number;
  readonly setBytesMax: number;
  /** lsm-engine tombstone grace (0: the engine drops shadowed tombstones at once). */
  readonly tombstoneGraceMs: number;
}

/** A node of the simulated cluster (module comment). */
export class SimNode {
  private vfs = new FaultVfs();
  private clock: NodeClock;
  private endpoint: NodeEndpoint | undefined;
  private engine: StorageEngine | undefined;
  private nodeState: NodeState | undefined;
  private nodeCore: NodeCore | undefined;
  private starts = 0;
  private up = false;
  private starting = false;
  private killWhenUp: CrashMode | undefined;
  private readonly past = zeroActivity();

  /** Set once the node left the cluster (decommissioned): it stays down and is no replica. */
  left = false;
  private joining = false;

  constructor(
    readonly id: string,
    private readonly sim: Simulation,
    private readonly config: NodeConfig,
  ) {
    this.clock = new NodeClock(sim.clock, id);
  }

  /** Makes the next start a join of an existing cluster (streams its ranges before it serves them). */
  joinOnStart(): void {
    this.joining = true;
  }

  /** True while `start` runs. */
  get isStarting(): boolean {
    return this.starting;
  }

  /** True between a start and a kill. */
  get isUp(): boolean {
    return this.up;
  }

  /** The running core (throws when the node is down: a harness bug). */
  get core(): NodeCore {
    if (this.nodeCore === undefined) throw new Error(`cluster-sim: bug: ${this.id} has no running core`);
    return this.nodeCore;
  }

  /** The running node's durable state (store and hints). */
  get state(): NodeState {
    if (this.nodeState === undefined) throw new Error(`cluster-sim: bug: ${this.id} has no state`);
    return this.nodeState;
  }

  /** The running node's engine. */
  get storage(): StorageEngine {
    if (this.engine === undefined) throw new Error(`cluster-sim: bug: ${this.id} has no engine`);
    return this.engine;
  }

  /** The node's clock (skew, jumps, pause). */
  get nodeClock(): NodeClock {
    return this.clock;
  }

  /** This node's activity over all its generations so far. */
  activity(): Activity {
    const a = zeroActivity();
    addActivity(a, this.past);
    if (this.nodeCore !== undefined) addActivity(a, this.current(this.nodeCore));
    return a;
  }

  private current(core: NodeCore): Activity {
    const q = core.cluster.coordinator.stats();
    const h = core.cluster.handoff.stats;
    const e = this.engine?.stats() as { flushes?: number; compactions?: number } | undefined;
    return {
      hintsStored: q.hintsStored, hintsReplayed: h.replayed, hintsExpired: h.expired, readRepairs: q.readRepairs,
      aeKeysRepaired: core.antiEntropy.stats.keysRepaired, tombstonesCollected: core.antiEntropy.tombstones.stats.collected,
      flushes: e?.flushes ?? 0, compactions: e?.compactions ?? 0,
    };
  }

  private retire(): void {
    if (this.nodeCore !== undefined) addActivity(this.past, this.current(this.nodeCore));
  }

  /** Opens the engine on the node's disk and starts a new generation (invariant 1). */
  async start(): Promise<void> {
    if (this.up || this.starting) return;
    this.starting = true;
    try {
      await this.open();
    } finally {
      this.starting = false;
    }
    if (this.killWhenUp !== undefined) this.kill(this.killWhenUp);
  }

  private async open(): Promise<void> {
    const offset = this.clock.offset;
    this.clock = new NodeClock(this.sim.clock, this.id, offset);
    const c = this.config;
    this.sim.network.up(this.id);
    const endpoint = (this.endpoint = new NodeEndpoint(this.sim.network.transport(this.id), this.clock, this.starts));
    const engine = await openEngine(`/${this.id}`, {
      vfs: this.vfs, clock: this.clock.engineClock, durability: 'sync', memtableBytes: c.memtableBytes, blockCacheBytes: 256 * 1024,
      keyBytesMax: serverLimits.engineKeyBytesMax, valueBytesMax: c.setBytesMax, tombstoneGraceMs: c.tombstoneGraceMs,
    });
    const clock = this.clock;
    const state = await openNodeState(
      engine,
      { actor: this.id, siblingsMax: c.siblingsMax, setBytesMax: c.setBytesMax, durability: 'sync', gather: (run) => void clock.setTimer(0, run) },
      clock.now(),
    );
    const core = assembleNodeCore({
      id: this.id, address: this.id, state, engine, settings: c.settings, antiEntropy: c.antiEntropy,
      clock, random: this.sim.fork(`node:${this.id}:${this.starts++}`), transport: endpoint.gossip, peers: endpoint.peers, codec: c.codec, log: c.log,
      topology: this.topology(),
    });
    endpoint.serve({
      peerCall: (from, call) => core.cluster.onCall(from, call as PeerCall),
      clientOp: (op: ClusterOp, options) => core.cluster.run(op, options, false),
    });
    this.engine = engine;
    this.nodeState = state;
    this.nodeCore = core;
    this.up = true;
    void core.start().catch(() => undefined);
  }

  private topology(): TopologySettings {
    return {
      join: this.joining, streamBytesPerSec: 1 << 26,
      onLeft: () => {
        this.left = true;
        this.stop();
      },
    };
  }

  /** A process crash and power loss (invariant 2); `restart` brings it back. */
  kill(mode: CrashMode): void {
    if (this.starting) this.killWhenUp = mode;
    if (!this.up) return;
    this.killWhenUp = undefined;
    this.retire();
    this.up = false;
    this.nodeCore?.stop();
    this.clock.kill();
    this.endpoint?.kill();
    this.sim.network.crash(this.id);
    this.vfs.powerCut();
    this.vfs.crash(this.sim.fork(`crash:${this.id}:${this.starts}`), mode);
    this.nodeCore = undefined;
    this.nodeState = undefined;
    this.engine = undefined;
  }

  /** Replaces the (killed) node's disk with an empty one: it restarts with the same id and no data. */
  wipe(): void {
    if (this.up) throw new Error(`cluster-sim: bug: wipe ${this.id} while it runs`);
    this.vfs = new FaultVfs();
  }

  /** Stops the node's timers and network handling until `resume`. */
  pause(): void {
    this.clock.pause();
  }

  /** Lets a paused node run again; what it held is released in order. */
  resume(): void {
    this.clock.resume();
    this.endpoint?.resume();
  }

  /** Stops the running generation gracefully at the end of a run (closes nothing: the disk is memory). */
  stop(): void {
    this.retire();
    this.nodeCore?.stop();
    this.nodeCore = undefined;
    this.clock.kill();
    this.endpoint?.kill();
    this.up = false;
  }
}
