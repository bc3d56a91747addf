/**
 * Regression (review of issue 7): a node that reported `left` must stop and
 * call `onLeft` within a bounded time whatever its peers do. Under
 * @ringkv/sim: a leaving node that an operator also removed (its gossip
 * stops by itself after announcing its removal) still calls `onLeft` once
 * it has handed its data over, and the others crashing right after `left`
 * do not hold it up.
 */
import { WireCodec } from '@ringkv/protocol';
import { seedNote, Simulation, testSeed } from '@ringkv/sim';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import { assembleNodeCore, openNodeState, type NodeCore, type StorageEngine } from '../../src/index.js';
import { leftStopDelayMsMax } from '../../src/topology/limits.js';
import { openMemoryEngine } from '../support/memory-engine.js';
import { simPorts } from '../support/sim-ports.js';

const seed = testSeed(0x1ef7);
const settings: ClusterSettings = { n: 2, r: 1, w: 2, mode: 'sloppy', requestTimeoutMs: 1_000, vnodes: 64, weight: 1, zone: '', gossipIntervalMs: 100, hintTtlMs: 3_600_000, seeds: ['a'], clusterName: 'ringkv' };
const codec = new WireCodec();
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

async function startCore(sim: Simulation, id: string, onLeft: () => void): Promise<NodeCore> {
  const engine: StorageEngine = await openMemoryEngine(`left-sim-${seed}-${id}`, { durability: 'sync', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 });
  const state = await openNodeState(engine, { actor: id, siblingsMax: 64, setBytesMax: 1 << 20, durability: 'sync' }, sim.clock.now());
  const ports = simPorts(sim, sim.network.transport(id));
  const node = assembleNodeCore({
    id, address: id, state, engine, settings, antiEntropy: { intervalMs: 0, bytesPerSecond: 1 << 30, bucketsLog2: 10, tombstoneGraceMs: 864_000_000 },
    clock: sim.clock, random: sim.fork(`node:${id}`), transport: ports.transport, peers: ports.peers, codec, log: pino({ level: 'silent' }),
    // The slowest stream: the leave's pushes outlast the removal's gossip rounds.
    topology: { join: false, streamBytesPerSec: 4 * 1024, onLeft },
  });
  ports.serveWith((from, call) => node.cluster.onCall(from, call as Parameters<NodeCore['cluster']['onCall']>[1]));
  void node.start();
  return node;
}

async function run(sim: Simulation, ms: number, until: () => boolean): Promise<boolean> {
  for (let t = 0; t < ms && !until(); t += 10) {
    sim.advance(10);
    await flush();
  }
  return until();
}

describe('a node that left stops within a bounded time', () => {
  it('a leaving node removed by an operator meanwhile, with every other node crashed once its data is handed over, still calls onLeft', async () => {
    const sim = new Simulation({ seed, link: { latencyMs: 2, jitterMs: 5 } });
    let onLeftAtMs: number | undefined;
    const nodes = new Map<string, NodeCore>();
    for (const id of ['a', 'b', 'c']) nodes.set(id, await startCore(sim, id, () => (onLeftAtMs = sim.clock.now())));
    const [a, b, c] = ['a', 'b', 'c'].map((id) => nodes.get(id) as NodeCore) as [NodeCore, NodeCore, NodeCore];
    expect(await run(sim, 10_000, () => [a, b, c].every((n) => n.cluster.view.ring.size === 3)), seedNote(seed)).toBe(true);
    for (let i = 0; i < 150; i++) void a.cluster.run({ type: 'put', key: `k${i}`, value: new Uint8Array(100).fill(i) }, undefined, false);
    await run(sim, 2_000, () => false);

    expect(c.topology.leave().ok, seedNote(seed)).toBe(true);
    expect(await run(sim, 5_000, () => c.topology.status().stream?.rangesDone !== undefined && (c.topology.status().stream?.rangesDone ?? 0) > 0), seedNote(seed)).toBe(true);
    expect(a.topology.remove('c', true).ok, seedNote(seed)).toBe(true);
    // The removal reaches c (its status turns left at once) and stops its gossip while its pushes go on.
    expect(await run(sim, 10_000, () => !c.cluster.gossip.isRunning()), seedNote(seed)).toBe(true);
    const done = (): boolean => {
      const s = c.topology.status().stream;
      return s !== null && s.rangesDone === s.rangesTotal;
    };
    expect(done(), `the pushes should outlast the removal; ${seedNote(seed)}`).toBe(false);
    expect(await run(sim, 120_000, done), seedNote(seed)).toBe(true);
    // Its data handed over, c is about to record left: the others go away at once.
    const doneAtMs = sim.clock.now();
    for (const [id, n] of [['a', a], ['b', b]] as const) {
      n.stop();
      sim.network.crash(id);
    }
    expect(await run(sim, 3 * leftStopDelayMsMax, () => onLeftAtMs !== undefined), `onLeft never ran after left; ${seedNote(seed)}`).toBe(true);
    expect((onLeftAtMs as number) - doneAtMs, seedNote(seed)).toBeLessThanOrEqual(leftStopDelayMsMax + 1_000);
    c.stop();
  }, 60_000);
});
