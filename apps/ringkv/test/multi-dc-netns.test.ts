/**
 * Issue 14, proof on a real network: two DCs of two "machines" each, built
 * as Linux network namespaces (support/netns-lab.mjs: a router per DC, a WAN
 * of 20 ms one way between them), one real `ringkv start` process per
 * machine bound to the machine's own address, `--replicas dc1:2,dc2:2`, and a
 * client in each DC talking to its own DC's node (support/netns-agent.mjs).
 *
 * 1. A write load in both DCs at W = 2 (one DC's replicas satisfy it).
 * 2. The WAN is cut: both DCs keep answering W = 2 writes and R = 2 reads of
 *    their clients with no error; a write that needs the other DC (W = all)
 *    fails cleanly (an error answer, no hang).
 * 3. Healed: hints hand off and anti-entropy passes find no replica pair
 *    differing; every acknowledged write is read back in both DCs.
 * 4. DC 2's processes are killed; DC 1 keeps taking writes; DC 2 restarts on
 *    its data; the same convergence and reads hold again.
 *
 * A second test adds a DC the way the operations guide says (README, "Add a
 * DC"): a cluster founded with the map naming dc2 runs on dc1's machines
 * alone, then dc2's nodes join one at a time (`--join`) and stream their
 * ranges; with the WAN then cut, dc2 alone answers R = 2 reads of every
 * write made before it existed.
 *
 * Needs root, iproute2, python3 and /dev/net/tun; without them the test is
 * skipped by name and says why. Everything it creates (namespaces, processes,
 * data) is removed in afterAll, and namespaces of an earlier crashed run are
 * removed first. No duration is asserted; every wait is bounded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LabCluster, type Agent } from './support/netns-cluster.mjs';
import { labUnavailable, NetLab } from './support/netns-lab.mjs';
import { requireBuiltCli } from './support/processes.js';

const unavailable = labUnavailable();
if (unavailable !== undefined) process.stderr.write(`multi-DC network namespace test skipped: ${unavailable}\n`);

/** Keys a phase writes in a DC: `<dc>-<phase>-<i>`. */
function keysOf(dc: string, phase: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${dc}-${phase}-${i}`);
}

describe('two DCs on a real network (network namespaces, 20 ms WAN)', () => {
  const labs: NetLab[] = [];
  const clusters: LabCluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.stop();
    for (const lab of labs) lab.destroy();
  });

  /** A built two-DC lab and a cluster on it (nothing started), both removed in afterAll. */
  async function twoDcs(): Promise<{ lab: NetLab; c: LabCluster }> {
    requireBuiltCli();
    const lab = new NetLab({ dcs: 2, machinesPerDc: 2 });
    labs.push(lab);
    await lab.build();
    const c = new LabCluster(lab, { replicas: 'dc1:2,dc2:2', r: 2, w: 2, extra: ['--anti-entropy-interval-ms', '0', '--anti-entropy-buckets-log2', '8'] });
    clusters.push(c);
    return { lab, c };
  }

  it.skipIf(unavailable !== undefined)(
    'both DCs keep answering through a WAN cut and a lost DC, then every acknowledged write is in both DCs and replicas agree (skipped without root/iproute2)',
    async () => {
      const { lab, c } = await twoDcs();
      await c.startAll();
      const a1 = await c.agent(1, 1);
      let a2 = await c.agent(2, 1);
      await c.waitAllUp(a1);
      const acked: string[] = [];
      const load = async (phase: string, clients: readonly (readonly [Agent, string])[]): Promise<void> => {
        const answers = await Promise.all(clients.map(([agent, dc]) => agent.put(keysOf(dc, phase, 25), 2)));
        const errors = answers.flatMap((a) => a.errors);
        expect(errors, `${phase}: W = 2 writes in each DC\n${c.logs()}`).toEqual([]);
        for (const a of answers) acked.push(...a.acked);
      };
      const readBack = async (agent: Agent, dc: string): Promise<void> => {
        const got = await agent.get(acked, 2);
        expect(got.errors, `every acknowledged write read at R = 2 in ${dc}`).toEqual([]);
        expect(got.found.length, dc).toBe(acked.length);
      };

      // 1. Load in both DCs.
      await load('before', [[a1, 'dc1'], [a2, 'dc2']]);

      // 2. The WAN is cut: each DC answers on its own; what needs the other DC fails cleanly.
      expect((await lab.wanTraffic()).bytes, 'the writes crossed the WAN before the cut').toBeGreaterThan(0);
      lab.cut();
      const cutAt = await lab.wanTraffic();
      await load('cut', [[a1, 'dc1'], [a2, 'dc2']]);
      for (const [agent, dc] of [[a1, 'dc1'], [a2, 'dc2']] as const) {
        const own = await agent.get(keysOf(dc, 'cut', 25), 2);
        expect(own.errors, `${dc} reads its own writes at R = 2 during the cut`).toEqual([]);
        const all = await agent.put([`${dc}-cut-needs-wan`], 'all');
        expect(all.acked, `${dc}: W = all cannot be met during the cut`).toEqual([]);
        expect(all.errors.map((e) => e.code), `${dc}: W = all fails with an error answer`).toEqual([expect.stringMatching(/^(quorum-not-met|timeout|unavailable)$/)]);
      }

      expect(await lab.wanTraffic(), 'nothing crossed the cut WAN').toEqual(cutAt);

      // 3. Healed: hints and anti-entropy converge; every acknowledged write is in both DCs.
      lab.heal();
      await c.converge(a1);
      await readBack(a1, 'dc1');
      await readBack(a2, 'dc2');

      // 4. DC 2 is lost (every process killed); DC 1 keeps writing; DC 2 comes back on its data.
      await c.killDc(2);
      await load('dc2-down', [[a1, 'dc1']]);
      await c.restartDc(2);
      a2.close();
      a2 = await c.agent(2, 1);
      await c.waitAllUp(a1);
      await c.converge(a1);
      await readBack(a1, 'dc1');
      await readBack(a2, 'dc2');
    },
    300_000,
  );

  it.skipIf(unavailable !== undefined)(
    'a DC added by joining its nodes one at a time holds every earlier write: it answers them alone once the WAN is cut (skipped without root/iproute2)',
    async () => {
      const { lab, c } = await twoDcs();
      await c.startNode(1, 1);
      await c.startNode(1, 2);
      const a1 = await c.agent(1, 1);
      await c.waitAllUp(a1, 120_000, lab.machines().filter((m) => m.dc === 1));
      const keys = keysOf('dc1', 'before-dc2', 40);
      const put = await a1.put(keys, 2);
      expect(put.errors, `dc1 alone takes W = 2 writes\n${c.logs()}`).toEqual([]);
      const plan = await c.cli(1, 1, ['plan', 'join', 'd2m1', '--dc', 'dc2', '--machine', 'd2m1', '--url', `${lab.machine(1, 1).address}:7000`, '--token', c.token]);
      expect(plan, 'plan join of the new DC\'s first node').toMatchObject({ code: 0, stdout: expect.stringMatching(/^d2m1 would receive .* from d1m1, d1m2/m) });
      for (const i of [1, 2]) {
        await c.startNode(2, i, ['--join']);
        await c.waitAllUp(a1, 120_000, lab.machines().filter((m) => m.dc === 1 || m.index <= i));
      }
      const a2 = await c.agent(2, 1);
      lab.cut();
      const got = await a2.get(keys, 2);
      expect(got.errors, `dc2, cut off, reads what was written before it joined\n${c.logs()}`).toEqual([]);
      expect(got.found.length).toBe(keys.length);
      lab.heal();
    },
    300_000,
  );
});
