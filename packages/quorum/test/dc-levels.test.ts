import { describe, expect, it } from 'vitest';
import { live, update, empty } from '@ringkv/vclock';
import { isQuorumError } from '@ringkv/quorum';
import { advance, settle } from './support/drive.js';
import { FakeCluster } from './support/fake-cluster.js';

const key = 'user:42';
const map = { dc1: 3, dc2: 3 };

/** Two DCs of three nodes each: every node is a replica of every key (dc1:3, dc2:3). */
function twoDcs(): { c: FakeCluster; local: string[]; remote: string[] } {
  const c = new FakeCluster([
    ...['a1', 'a2', 'a3'].map((id) => ({ id, dc: 'dc1' })),
    ...['b1', 'b2', 'b3'].map((id) => ({ id, dc: 'dc2' })),
  ]);
  const pref = c.preference(key, map);
  return { c, local: pref.filter((id) => id.startsWith('a')), remote: pref.filter((id) => id.startsWith('b')) };
}

describe('consistency levels across two DCs', () => {
  it('local-quorum writes answer ok while the other DC hangs, and still send the set to every remote replica', async () => {
    const { c, local, remote } = twoDcs();
    for (const id of remote) c.behaviour.set(id, 'hang');
    const result = await settle(c, c.coordinator(local[0]!, { n: 6 }, { replicationMap: map }).put(key, 'v1', { w: 'local-quorum' }));
    expect(result).toMatchObject({ status: 'ok', acks: 2, required: 2 });
    expect(result.receipt).toMatchObject({ w: 2, level: 'local-quorum' });
    const sentTo = new Set(c.calls.filter((x) => x.op === 'apply').map((x) => x.node));
    for (const id of [...local.slice(1), ...remote]) expect(sentTo.has(id), id).toBe(true);
    expect(result.receipt!.replicas.map((r) => [r.node, r.dc])).toEqual(expect.arrayContaining([...local.map((id) => [id, 'dc1']), ...remote.map((id) => [id, 'dc2'])]));
  });

  it('each-quorum and quorum writes fail quorum-not-met as soon as the remote DC refuses, not at the deadline', async () => {
    const { c, local, remote } = twoDcs();
    for (const id of remote) c.behaviour.set(id, 'error');
    for (const level of ['each-quorum', 'quorum'] as const) {
      const result = await settle(c, c.coordinator(local[0]!, { n: 6, timeoutMs: 5_000 }, { replicationMap: map }).put(key, `v-${level}`, { w: level }));
      // At the deadline it would be indeterminate: quorum-not-met means it answered when the refusals came.
      expect(result, level).toMatchObject({ status: 'quorum-not-met', reason: 'replicas-failed', maybeWritten: true });
    }
  });

  it('each-quorum and quorum refuse before writing when gossip already knows the remote DC is down; hints are kept for it', async () => {
    const { c, local, remote } = twoDcs();
    c.down = new Set(remote);
    const coordinator = c.coordinator(local[0]!, { n: 6 }, { replicationMap: map });
    for (const level of ['each-quorum', 'quorum'] as const) {
      expect(await settle(c, coordinator.put(key, 'v', { w: level }))).toMatchObject({ status: 'quorum-not-met', reason: 'too-few-replicas', maybeWritten: false });
    }
    const ok = await settle(c, coordinator.put(key, 'v', { w: 'local-quorum' }));
    expect(ok).toMatchObject({ status: 'ok' });
    expect([...ok.receipt!.localHints].sort()).toEqual([...remote].sort());
    await advance(c, 10);
    for (const id of remote) expect(c.hints.get(local[0]!)!.peek(id, key)).toBeDefined();
  });

  it('local-one reads wait for a reply from the coordinator’s DC, not the first reply from anywhere', async () => {
    const { c, local, remote } = twoDcs();
    for (const id of local) c.delayMs.set(id, 30);
    const result = await settle(c, c.coordinator(remote[0]!, { n: 6 }, { replicationMap: map }).get(key, { r: 'local-one' }));
    expect(result).toMatchObject({ status: 'ok', replies: 1, required: 1 });
    const acked = result.receipt.replicas.filter((r) => r.outcome === 'ack');
    expect(acked.map((r) => r.dc)).toEqual(['dc2']);
  });

  it('local levels on a coordinator whose DC holds no replica are refused with no-local-replica, before anything is sent', async () => {
    const c = new FakeCluster([...['a1', 'a2', 'a3'].map((id) => ({ id, dc: 'dc1' })), { id: 'c1', dc: 'dc3' }]);
    const coordinator = c.coordinator('c1', { n: 3 }, { replicationMap: { dc1: 3 } });
    const error = await coordinator.get(key, { r: 'local-quorum' }).catch((e: unknown) => e);
    expect(isQuorumError(error) && error.code).toBe('no-local-replica');
    expect(c.calls).toEqual([]);
    expect(await settle(c, coordinator.get(key, { r: 'quorum' }))).toMatchObject({ status: 'ok' });
  });

  it('read repair stays in the coordinator’s DC by default and reaches every DC when global', async () => {
    for (const mode of ['local', 'global'] as const) {
      const { c, local, remote } = twoDcs();
      const fresh = update(empty<string>(), [], local[0]!, live('v1'));
      c.setStored(local[0]!, key, fresh);
      const result = await settle(c, c.coordinator(local[0]!, { n: 6 }, { replicationMap: map, readRepair: mode }).get(key, { r: 'all' }));
      expect(result.status).toBe('ok');
      const repaired = new Set(result.receipt.readRepair.targets);
      for (const id of local.slice(1)) expect(repaired.has(id), `${mode} ${id}`).toBe(true);
      for (const id of remote) expect(repaired.has(id), `${mode} ${id}`).toBe(mode === 'global');
    }
  });

  it('refuses an unknown level name with invalid-argument', async () => {
    const { c, local } = twoDcs();
    const error = await c.coordinator(local[0]!, { n: 6 }, { replicationMap: map }).put(key, 'v', { w: 'LOCAL_QUORUM' as never }).catch((e: unknown) => e);
    expect(isQuorumError(error) && error.code).toBe('invalid-argument');
  });
});
