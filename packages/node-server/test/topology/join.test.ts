/**
 * Joins on loopback: a fourth node joins three under a write load (no
 * acknowledged write lost, every node ends with exactly the keys the ring
 * gives it once cleanup ran), an interrupted join resumes from its cursors,
 * and a plan's figures equal what the join then streams.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { firstValueText } from '../support/client.js';
import { agree, get, put, waitUntil } from '../support/cluster.js';
import { removeTempDirs, tempDir } from '../support/node.js';
import { admin, cleanupNow, client, closeAll, dataKeys, ringOf, running, start, startCluster, topologyOf, writeLoad } from './support.js';

afterEach(closeAll);
afterAll(removeTempDirs);

async function seed(url: string, count: number, w: number): Promise<string[]> {
  const c = await client(url);
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `seed-${i}`;
    const reply = await put(c, key, `value-${key}`, w);
    expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
    keys.push(key);
  }
  return keys;
}

describe('join', () => {
  it('a fourth node joins under writes: no acknowledged write is lost and every node ends with exactly its ring share', async () => {
    const { nodes, dirs } = await startCluster(['a', 'b', 'c'], { n: 3, r: 2, w: 2 });
    const seeded = await seed(nodes[0]!.url, 300, 3);
    const load = writeLoad(await client(nodes[1]!.url), 'live', 2);
    const dDir = tempDir();
    const d = await start('d', dDir, [nodes[0]!.url], { n: 3, r: 2, w: 2, join: true });
    await waitUntil('d has joined', async () => (await topologyOf(d.httpUrl)).self === 'normal', 30_000);
    const all = [...nodes, d];
    await waitUntil('four nodes agree', () => agree(all.map((n) => n.httpUrl), ['a', 'b', 'c', 'd']));
    const live = await load.stop();
    expect(live.length).toBeGreaterThan(0);
    const joined = await topologyOf(d.httpUrl);
    expect(joined.stream.direction).toBe('in');
    expect(joined.stream.rangesDone).toBe(joined.stream.rangesTotal);
    expect(joined.stream.keys).toBeGreaterThan(0);

    const reader = await client(d.url);
    for (const key of [...seeded, ...live]) expect(firstValueText(await get(reader, key, 2)), key).toBe(`value-${key}`);
    await waitUntil('no hints pending', async () => {
      const all4 = await Promise.all(all.map((n) => fetch(`${n.httpUrl}/status`).then((r) => r.json() as Promise<{ cluster: { hintsPending: Record<string, number> } }>)));
      return all4.every((s) => Object.values(s.cluster.hintsPending).every((v) => v === 0));
    });
    for (const n of all) await cleanupNow(n.httpUrl);
    const dropped = await Promise.all(nodes.map((n) => topologyOf(n.httpUrl)));
    expect(dropped.reduce((sum, t) => sum + t.cleanup.keysDropped, 0)).toBeGreaterThan(0);
    // /status store counts (streams, pending writes and cleanup through the write hook) as the engines hold them.
    const counts = await Promise.all(all.map(async (n) => ((await (await fetch(`${n.httpUrl}/status`)).json()) as { store: { keys: number } }).store.keys));

    await closeAll();
    const ring = ringOf(['a', 'b', 'c', 'd']);
    const keys = [...seeded, ...live];
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
      const held = await dataKeys([...dirs, dDir][i]!);
      const owned = keys.filter((k) => ring.preferenceList(k, 3).includes(id));
      expect([...held].sort(), `${id} holds exactly its ring share`).toEqual(owned.sort());
      expect(counts[i], `${id}'s /status store.keys`).toBe(held.size);
    }
  }, 90_000);

  it('a join stopped mid-stream resumes from its persisted cursors after a restart', async () => {
    const { nodes } = await startCluster(['a', 'b', 'c'], { n: 3, r: 2, w: 3 });
    await seed(nodes[0]!.url, 250, 3);
    const plan = await admin(nodes[0]!.httpUrl, 'GET', '/admin/plan?op=join&id=d');
    expect(plan.status).toBe(200);
    const total = plan.body.totals.bytes as number;
    const dDir = tempDir();
    const slow = await start('d', dDir, [nodes[0]!.url], { n: 3, r: 2, w: 3, join: true, streamBytesPerSec: 4096 });
    await waitUntil('d streamed a part', async () => ((await topologyOf(slow.httpUrl)).stream?.bytes ?? 0) > 6_000, 30_000);
    // Meanwhile the others list d as joining, and d reports its stream.
    expect((await topologyOf(nodes[1]!.httpUrl)).members.find((m) => m.id === 'd')?.status).toBe('joining');
    const streaming = await topologyOf(slow.httpUrl);
    expect(streaming.self).toBe('joining');
    expect(streaming.stream).toMatchObject({ direction: 'in', peers: expect.arrayContaining([expect.any(String)]) });
    expect(streaming.stream.rangesDone).toBeLessThan(streaming.stream.rangesTotal);
    expect(streaming.stream.bytesPerSec).toBeGreaterThan(0);
    const first = (await topologyOf(slow.httpUrl)).stream.bytes as number;
    await slow.stop();
    running.splice(running.indexOf(slow), 1);
    expect(first).toBeLessThan(total);

    const again = await start('d', dDir, [nodes[0]!.url], { n: 3, r: 2, w: 3, join: true });
    await waitUntil('d has joined after its restart', async () => (await topologyOf(again.httpUrl)).self === 'normal', 30_000);
    const second = (await topologyOf(again.httpUrl)).stream.bytes as number;
    // Resumed, not restarted: `first` is a lower bound of the first run's bytes, and at most one chunk
    // (1 KiB at 4 KiB/s, plus the set that crossed it) is streamed twice.
    expect(second).toBeLessThanOrEqual(total - first + 1024 + 512);
    expect(second).toBeGreaterThan(0);
    // Nothing skipped: d holds exactly the keys the plan said would move to it.
    await closeAll();
    expect((await dataKeys(dDir)).size).toBe(plan.body.totals.keys);
  }, 90_000);

  it('a plan of a join gives exactly the keys and bytes the join then streams', async () => {
    const { nodes } = await startCluster(['a', 'b', 'c'], { n: 2, r: 2, w: 2 });
    await seed(nodes[1]!.url, 200, 2);
    const plan = await admin(nodes[2]!.httpUrl, 'GET', '/admin/plan?op=join&id=d');
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    const p = plan.body;
    expect(p.op).toBe('join');
    expect(p.ringVersionAfter).not.toBe(p.ringVersionBefore);
    expect(p.moves.every((m: { to: string }) => m.to === 'd')).toBe(true);
    expect(p.totals.keys).toBe(p.moves.reduce((s: number, m: { keys: number }) => s + m.keys, 0));
    // d becomes one replica of about half the keys (N = 2 of 4): the share is of keys, not of copies.
    expect(p.totals.fractionOfKeys).toBeCloseTo(p.totals.keys / 200, 6);
    expect(p.totals.fractionOfKeys).toBeGreaterThan(0.25);
    expect(p.totals.fractionOfKeys).toBeLessThan(0.8);
    const dDir = tempDir();
    const d = await start('d', dDir, [nodes[0]!.url], { n: 2, r: 2, w: 2, join: true });
    await waitUntil('d has joined', async () => (await topologyOf(d.httpUrl)).self === 'normal', 30_000);
    const stream = (await topologyOf(d.httpUrl)).stream;
    expect(stream.keys).toBe(p.totals.keys);
    expect(stream.bytes).toBe(p.totals.bytes);
    await waitUntil('a sees d normal', async () => (await topologyOf(nodes[0]!.httpUrl)).members.find((m) => m.id === 'd')?.status === 'normal');
    // A joined node restarted (even with join: true) starts normal and streams nothing.
    await d.stop();
    running.splice(running.indexOf(d), 1);
    const again = await start('d', dDir, [nodes[0]!.url], { n: 2, r: 2, w: 2, join: true });
    const restarted = await topologyOf(again.httpUrl);
    expect(restarted.self).toBe('normal');
    expect(restarted.stream).toBeNull();
  }, 60_000);
});
