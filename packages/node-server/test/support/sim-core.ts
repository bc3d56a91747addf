/**
 * A node's production composition (assembleNodeCore) on simulated ports,
 * and the loop that advances simulated time: shared by the cluster-core
 * simulation tests.
 */
import { WireCodec } from '@ringkv/protocol';
import type { Simulation } from '@ringkv/sim';
import { pino } from 'pino';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import { assembleNodeCore, openNodeState, type ClusterCore, type StorageEngine } from '../../src/index.js';
import { simPorts } from './sim-ports.js';

const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Starts node `id` on `engine` with `settings`; anti-entropy on demand only. */
export async function startSimCore(sim: Simulation, id: string, engine: StorageEngine, settings: ClusterSettings): Promise<ClusterCore> {
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 30, bucketsLog2: 10 },
    clock: sim.clock, random: sim.fork(`node:${id}:${state.generation}`), transport: ports.transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
  });
  ports.serveWith((from, call) => node.cluster.onCall(from, call as Parameters<ClusterCore['onCall']>[1]));
  void node.start();
  return node.cluster;
}

/** Advances simulated time in 10 ms steps, letting promise continuations (engine writes) run between them, until `until` holds. */
export async function runSim(sim: Simulation, ms: number, until?: () => boolean): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    sim.advance(10);
    await flush();
    if (until?.()) return;
  }
}
