/**
 * Placement over data centers with in-process nodes (README, "Data centers,
 * racks and machines"): labels travel in gossip and show in /status, each key's
 * replicas follow the agreed replication map with never two on one machine,
 * and a node started with another map is refused with `settings-mismatch`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isNodeServerError, type NodeOptions, type RingkvNode } from '../src/index.js';
import { clientPool } from './support/client.js';
import { agree, put, startLabelledCluster, waitUntil } from './support/cluster.js';
import { nodeTracker, removeTempDirs } from './support/node.js';

const nodes = nodeTracker();
const clients = clientPool();

afterEach(async () => {
  clients.terminateAll();
  await nodes.stopAll();
  removeTempDirs();
});

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, durability: 'none' };

interface Member {
  id: string;
  dc: string;
  rack: string;
  zone: string;
  machine: string;
}

async function membersOf(node: RingkvNode): Promise<Member[]> {
  return ((await (await fetch(`${node.httpUrl}/status`)).json()) as { cluster: { members: Member[] } }).cluster.members;
}

/** dc1: a and c share machine m1 (a node per core), b on m2; dc2: d on m3, e on m4. */
const layout: Record<string, Partial<NodeOptions>> = {
  a: { dc: 'dc1', rack: 'r1', machine: 'm1' },
  b: { dc: 'dc1', rack: 'r2', machine: 'm2' },
  c: { dc: 'dc1', rack: 'r1', machine: 'm1' },
  d: { dc: 'dc2', rack: 'r1', machine: 'm3' },
  e: { dc: 'dc2', zone: 'r2', machine: 'm4' },
};

function startTwoDcs(): Promise<RingkvNode[]> {
  return startLabelledCluster(nodes, layout, fast, { replicas: { dc1: 2, dc2: 1 }, w: 3, r: 1 });
}

describe('data centers, racks and machines', () => {
  it('gossips every member’s dc, rack and machine, and /status shows them on every node', async () => {
    const all = await startTwoDcs();
    for (const node of all) {
      const members = await membersOf(node);
      for (const m of members) expect(m, node.id).toMatchObject({ ...layout[m.id], rack: layout[m.id]?.rack ?? layout[m.id]?.zone, zone: layout[m.id]?.rack ?? layout[m.id]?.zone });
    }
  });

  it('places each key’s replicas by the adopted map: two dc1 machines and one dc2 node, never two on one machine', async () => {
    const all = await startTwoDcs();
    const settings = ((await (await fetch(`${all[4]?.httpUrl}/status`)).json()) as { cluster: { settings: { n: number; replicas: string } } }).cluster.settings;
    expect(settings).toMatchObject({ n: 3, replicas: 'dc1:2,dc2:1' });
    const c = await clients.connect((all[0] as RingkvNode).url);
    const machineOf = (id: string): string | undefined => layout[id]?.machine;
    for (let i = 0; i < 20; i++) {
      const reply = await put(c, `dc-key-${i}`, `v${i}`, 3, { receipt: true });
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      if (reply.type !== 'put-ok') return;
      const acked = (reply.receipt?.replicas ?? []).filter((r) => r.outcome === 'ack' && r.role === 'primary').map((r) => r.node);
      expect(acked.filter((id) => layout[id]?.dc === 'dc1'), `key ${i}: ${acked}`).toHaveLength(2);
      expect(acked.filter((id) => layout[id]?.dc === 'dc2'), `key ${i}: ${acked}`).toHaveLength(1);
      expect(new Set(acked.map(machineOf)).size, `key ${i}: ${acked}`).toBe(3);
    }
    // A plan takes the joiner's labels: a node of a DC the map does not name would receive nothing, one in dc2 a share.
    type Plan = { totals: { keys: number }; moves: { to: string }[] };
    const plan = async (query: string): Promise<Plan> => (await (await fetch(`${all[0]?.httpUrl}/admin/plan?op=join&id=f&${query}`)).json()) as Plan;
    expect((await plan('dc=dc3&machine=m9')).moves).toEqual([]);
    const intoDc2 = await plan('dc=dc2&rack=r3&machine=m9');
    expect(intoDc2.totals.keys).toBeGreaterThan(0);
    expect(intoDc2.moves.every((m) => m.to === 'f')).toBe(true);
  });

  it('counts the replicas keys have by machines: two nodes of one machine give a key one replica', async () => {
    const effectiveN = async (node: RingkvNode): Promise<number> =>
      ((await (await fetch(`${node.httpUrl}/status`)).json()) as { cluster: { settings: { effectiveN: number } } }).cluster.settings.effectiveN;
    const a = await nodes.start({ id: 'a', ...fast, machine: 'm1' });
    const b = await nodes.start({ id: 'b', ...fast, machine: 'm1', seeds: [a.url] });
    await waitUntil('a and b agree', () => agree([a.httpUrl, b.httpUrl], ['a', 'b']));
    expect(await effectiveN(a)).toBe(1);
    const c = await nodes.start({ id: 'c', ...fast, machine: 'm2', seeds: [a.url] });
    await waitUntil('three agree', () => agree([a.httpUrl, b.httpUrl, c.httpUrl], ['a', 'b', 'c']));
    expect(await effectiveN(a)).toBe(2);
  });

  it('refuses a node started with another replication map, naming the setting and both maps', async () => {
    const a = await nodes.start({ id: 'a', ...fast, dc: 'dc1', replicas: { dc1: 2, dc2: 1 } });
    const refused = await nodes.start({ id: 'x', ...fast, dc: 'dc2', seeds: [a.url], replicas: { dc1: 1, dc2: 2 } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isNodeServerError(refused) && refused.code).toBe('settings-mismatch');
    expect((refused as Error).message).toMatch(/setting replicas is dc1:1,dc2:2 here but dc1:2,dc2:1 in the cluster/);
    // A plain N is one DC: it is another replication too.
    await expect(nodes.start({ id: 'y', ...fast, seeds: [a.url], n: 3 })).rejects.toThrow(/setting replicas is 3 here but dc1:2,dc2:1/);
  });
});
