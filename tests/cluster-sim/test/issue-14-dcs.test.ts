/**
 * Issue 14 under simulation: a cluster over two DCs (labels in gossip, a
 * replication map of 2 + 2, WAN links of 20 ms between DCs, sub-millisecond
 * links inside one), and the `dc-split` nemesis that cuts whole DCs, their
 * clients included, from each other. During a cut each DC keeps answering
 * writes and reads at W = R = 2 from its own replicas; once healed, hints and
 * anti-entropy make every replica of every key agree.
 */
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { describe, expect, it } from 'vitest';
import {
  checkConvergence, checkHints, checkMerkle, Nemesis, planFaults, profileKinds, quiet, registerValue, SimCluster, wanLink, type FaultEvent, type Outcome,
} from '../src/index.js';
import { turn } from './support.js';

const seed = testSeed(14_000);

describe('issue 14: data centers in the simulation', () => {
  it('labels nodes with their DC, places 2 replicas in each DC, and puts the WAN between DCs only', async () => {
    const cluster = new SimCluster({ seed, nodes: 6, clients: 2, turn, dcs: 2 });
    expect(await cluster.start(), seedNote(seed)).toBe(true);
    const ring = cluster.node('n1').core.cluster.view.ring;
    expect(cluster.ids.map((id) => ring.node(id)?.dc), seedNote(seed)).toEqual(['dc1', 'dc2', 'dc1', 'dc2', 'dc1', 'dc2']);
    for (let k = 0; k < 50; k++) {
      const list = cluster.node('n1').core.cluster.view.ring.preferenceList(`k${k}`, { dc1: 2, dc2: 2 });
      expect(list.map((id) => cluster.dcOf.get(id)).sort(), seedNote(seed)).toEqual(['dc1', 'dc1', 'dc2', 'dc2']);
    }
    const net = cluster.sim.network;
    expect(net.linkConfig('n1', 'n2').latencyMs, seedNote(seed)).toBeGreaterThanOrEqual(wanLink.latencyMs);
    expect(net.linkConfig('c1', 'n2').latencyMs, seedNote(seed)).toBeGreaterThanOrEqual(wanLink.latencyMs);
    expect(net.linkConfig('n1', 'n3').latencyMs + net.linkConfig('n1', 'n3').jitterMs, seedNote(seed)).toBeLessThanOrEqual(1);
    expect(cluster.nodesNear('c2'), seedNote(seed)).toEqual(['n2', 'n4', 'n6']);
    cluster.stop();
  });

  it('plans dc-split cuts of whole DCs (clients with their DC), and none without DCs', () => {
    const dcs = [['n1', 'n3', 'c1'], ['n2', 'n4', 'c2'], ['n5', 'n6', 'c3']];
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    let splits = 0;
    for (let s = seed; s < seed + 50; s++) {
      const plan = planFaults(new Rng(s), profileKinds('dcs'), nodes, ['c1', 'c2', 'c3'], 8, 8_000, dcs);
      for (const e of plan.filter((f) => f.kind === 'dc-split')) {
        splits++;
        const sides = (e.groups ?? []).map((g) => [...g].sort().join(' '));
        const unions = (g: readonly string[]): boolean => dcs.filter((d) => d.some((id) => g.includes(id))).every((d) => d.every((id) => g.includes(id)));
        expect(sides.length, seedNote(s)).toBe(2);
        expect((e.groups ?? []).every(unions), seedNote(s)).toBe(true);
        expect([...(e.groups ?? []).flat()].sort(), seedNote(s)).toEqual(dcs.flat().sort());
      }
      expect(planFaults(new Rng(s), ['dc-split'], nodes, ['c1'], 8, 8_000).length, seedNote(s)).toBe(0);
    }
    expect(splits, seedNote(seed)).toBeGreaterThan(0);
  });

  it('both DCs keep answering W = R = 2 while cut from each other, and converge after the heal', async () => {
    const cluster = new SimCluster({ seed, nodes: 4, clients: 2, turn, dcs: 2 });
    expect(await cluster.start(), seedNote(seed)).toBe(true);
    const nemesis = new Nemesis(cluster);
    const [dc1, dc2] = cluster.dcGroups() as [string[], string[]];
    const split: FaultEvent = { atMs: 0, kind: 'dc-split', durationMs: 30_000, nodes: [], groups: [dc1, dc2] };
    nemesis.schedule([split]);
    await cluster.runFor(100);
    const keys: string[] = [];
    const outcomes: { dc: string; op: string; outcome: Outcome }[] = [];
    // c1 is in dc1 with n1 and n3; c2 in dc2 with n2 and n4.
    for (const [client, node, dc] of [['c1', 'n1', 'dc1'], ['c2', 'n2', 'dc2']] as const) {
      for (let i = 0; i < 10; i++) {
        const key = `${dc}-k${i}`;
        keys.push(key);
        const c = cluster.clients.find((x) => x.id === client);
        if (c === undefined) throw new Error('no client');
        const put = await cluster.drive(c.request(node, { type: 'put', key, value: registerValue(`${dc}-${i}`) }), 10_000);
        outcomes.push({ dc, op: `put ${key}`, outcome: put });
        const get = await cluster.drive(c.request(node, { type: 'get', key }), 10_000);
        outcomes.push({ dc, op: `get ${key}`, outcome: get });
        if (get.kind === 'ok' && get.reply.type === 'get-ok') expect(get.reply.found, `${key} ${seedNote(seed)}`).toBe(true);
      }
    }
    expect(outcomes.filter((o) => o.outcome.kind !== 'ok'), seedNote(seed)).toEqual([]);
    // The other DC's replicas were out of reach: their writes wait as hints.
    await cluster.runFor(cluster.settings.requestTimeoutMs * 2);
    expect(cluster.nodes.reduce((n, node) => n + node.activity().hintsStored, 0), seedNote(seed)).toBeGreaterThan(0);
    await nemesis.healAll();
    await quiet(cluster, keys);
    expect([...checkConvergence(cluster, keys), ...checkMerkle(cluster), ...checkHints(cluster)], seedNote(seed)).toEqual([]);
    for (const key of keys) {
      const replicas = cluster.node('n1').core.cluster.view.ring.preferenceList(key, { dc1: 2, dc2: 2 });
      for (const id of replicas) expect(cluster.node(id).state.store.readSet(key)?.entries.length ?? 0, `${key} on ${id} ${seedNote(seed)}`).toBeGreaterThan(0);
    }
    cluster.stop();
  });
});
