/**
 * Issue 14, proof on a real network: two DCs of two "machines" each, built
 * as Linux network namespaces (support/netns-lab.mjs: a router per DC, a WAN
 * of 20 ms one way between them), one real `ringkv start` process per
 * machine bound to the machine's own address, `--replicas dc1:2,dc2:2`, and a
 * client in each DC talking to its own DC's node (support/netns-agent.mjs).
 *
 * 1. A write load in both DCs at `local-quorum` (a majority of the
 *    coordinator's DC: one DC's replicas satisfy it).
 * 2. The WAN is cut: both DCs keep answering `local-quorum` writes and reads
 *    of their clients with no error. An `each-quorum` write fails (some error
 *    answer, no hang) while gossip may still count the other DC up; once the
 *    DC's node reports the other DC's nodes down, `each-quorum` and `quorum`
 *    writes and reads are refused before anything is sent: `unavailable`, a
 *    typed error answer, not a timeout. `local-quorum` still answers then.
 * 3. Healed: hints hand off and anti-entropy passes find no replica pair
 *    differing; every acknowledged write is read back in both DCs at R = 2
 *    and at `each-quorum`.
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
import { LabCluster, until, type Agent } from './support/netns-cluster.mjs';
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
    'both DCs keep answering local-quorum through a WAN cut (each-quorum and quorum refused) and a lost DC, then every acknowledged write is in both DCs and replicas agree (skipped without root/iproute2)',
    async () => {
      const { lab, c } = await twoDcs();
      await c.startAll();
      const a1 = await c.agent(1, 1);
      let a2 = await c.agent(2, 1);
      await c.waitAllUp(a1);
      const acked: string[] = [];
      const load = async (phase: string, clients: readonly (readonly [Agent, string])[]): Promise<void> => {
        const answers = await Promise.all(clients.map(([agent, dc]) => agent.put(keysOf(dc, phase, 25), 'local-quorum')));
        const errors = answers.flatMap((a) => a.errors);
        expect(errors, `${phase}: W = local-quorum writes in each DC\n${c.logs()}`).toEqual([]);
        for (const a of answers) acked.push(...a.acked);
      };
      const readBack = async (agent: Agent, dc: string): Promise<void> => {
        for (const r of [2, 'each-quorum'] as const) {
          const got = await agent.get(acked, r);
          expect(got.errors, `every acknowledged write read at R = ${r} in ${dc}\n${c.logs()}`).toEqual([]);
          expect(got.found.length, `${dc}, R = ${r}`).toBe(acked.length);
        }
      };
      /** Waits (generously: the machine is shared) until node (d, 1) reports every node of the other DC down. */
      const seesOtherDcDown = async (agent: Agent, d: number): Promise<void> => {
        const other = lab.machines().filter((m) => m.dc !== d).map((m) => c.id(m.dc, m.index));
        const view = async () => (await c.status(agent, d, 1))?.cluster?.down ?? [];
        await until(`${c.id(d, 1)} to report ${other.join(', ')} down`, 120_000, async () => {
          const down = await view();
          return other.every((id) => down.includes(id));
        }, view);
      };

      // 1. Load in both DCs.
      await load('before', [[a1, 'dc1'], [a2, 'dc2']]);

      // 2. The WAN is cut: each DC answers on its own; what needs the other DC fails cleanly.
      expect((await lab.wanTraffic()).bytes, 'the writes crossed the WAN before the cut').toBeGreaterThan(0);
      lab.cut();
      const cutAt = await lab.wanTraffic();
      await load('cut', [[a1, 'dc1'], [a2, 'dc2']]);
      for (const [agent, dc] of [[a1, 'dc1'], [a2, 'dc2']] as const) {
        const own = await agent.get(keysOf(dc, 'cut', 25), 'local-quorum');
        expect(own.errors, `${dc} reads its own writes at R = local-quorum during the cut\n${c.logs()}`).toEqual([]);
        expect(own.found.length, dc).toBe(25);
        // Gossip may or may not count the other DC down yet: some error answer, no particular code.
        const each = await agent.put([`${dc}-cut-needs-wan`], 'each-quorum');
        expect(each.acked, `${dc}: W = each-quorum cannot be met during the cut`).toEqual([]);
        expect(each.errors.map((e) => e.code), `${dc}: W = each-quorum fails with an error answer`).toEqual([expect.stringMatching(/^(quorum-not-met|timeout|unavailable)$/)]);
      }
      // Once a DC's node has seen the other DC down, what needs it is refused before anything is sent.
      for (const [agent, d, dc] of [[a1, 1, 'dc1'], [a2, 2, 'dc2']] as const) {
        await seesOtherDcDown(agent, d);
        for (const level of ['each-quorum', 'quorum'] as const) {
          const put = await agent.put([`${dc}-cut-down-${level}`], level);
          expect(put.acked, `${dc}: W = ${level} with the other DC down`).toEqual([]);
          expect(put.errors.map((e) => e.code), `${dc}: W = ${level} is refused as unavailable with the other DC down`).toEqual(['unavailable']);
          const get = await agent.get(keysOf(dc, 'cut', 3), level);
          expect(get.found, `${dc}: R = ${level} with the other DC down`).toEqual([]);
          expect(get.errors.map((e) => e.code), `${dc}: R = ${level} is refused as unavailable with the other DC down`).toEqual(['unavailable', 'unavailable', 'unavailable']);
        }
      }
      // …while local-quorum goes on answering in both DCs.
      await load('cut-down', [[a1, 'dc1'], [a2, 'dc2']]);

      expect(await lab.wanTraffic(), 'nothing crossed the cut WAN').toEqual(cutAt);

      // 3. Healed: hints and anti-entropy converge; every acknowledged write is in both DCs.
      lab.heal();
      await c.waitAllUp(a1);
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
