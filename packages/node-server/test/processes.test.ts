/**
 * Three nodes as real processes on loopback (the built dist, started by
 * test/fixtures/node-process.mjs): kill -9 one, keep writing and reading at
 * W=2/R=2, restart it on its data directory, watch its hints arrive, then
 * check that all three stores hold every acknowledged write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, firstValueText, type TestClient } from './support/client.js';
import { agree, clusterStatus, get, put, seenDown, storedSets, valuesOf, waitUntil } from './support/cluster.js';
import { removeTempDirs, tempDir } from './support/node.js';
import { ensureBuilt, killAllNodeProcesses, killed, spawnNode, stopped } from './support/node-process.js';

const common = { n: 3, r: 2, w: 2, gossipIntervalMs: 50, requestTimeoutMs: 2_000, durability: 'sync' };
const clients: TestClient[] = [];

beforeAll(ensureBuilt, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  killAllNodeProcesses();
  removeTempDirs();
});

describe('three node processes', () => {
  it('survive kill -9 of one: W=2/R=2 continue, the restarted node gets its hints, and all three hold every acknowledged write', async () => {
    const dirs = [tempDir(), tempDir(), tempDir()];
    const a = await spawnNode({ id: 'a', dataDir: dirs[0], seeds: [], ...common });
    const [b, c] = await Promise.all([
      spawnNode({ id: 'b', dataDir: dirs[1], seeds: [a.url], ...common }),
      spawnNode({ id: 'c', dataDir: dirs[2], seeds: [a.url], ...common }),
    ]);
    const procs = [a, b, c];
    await waitUntil('three processes agree on the ring', () => agree(procs.map((p) => p.httpUrl), ['a', 'b', 'c']));

    const ca = await connect(a.url);
    const cb = await connect(b.url);
    clients.push(ca, cb);
    const acked = new Map<string, string>();
    for (let i = 0; i < 10; i++) {
      const reply = await put(i % 2 === 0 ? ca : cb, `p-before${i}`, `x${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`p-before${i}`, `x${i}`);
    }

    await killed(c);
    for (let i = 0; i < 20; i++) {
      const reply = await put(i % 2 === 0 ? ca : cb, `p-during${i}`, `y${i}`, 2);
      expect(reply.type, JSON.stringify(reply)).toBe('put-ok');
      acked.set(`p-during${i}`, `y${i}`);
    }
    for (const [k, v] of acked) expect(firstValueText(await get(ca, k, 2)), k).toBe(v);
    await waitUntil('the killed node is seen down', () => seenDown([a.httpUrl, b.httpUrl], 'c'));

    const port = Number(new URL(c.url).port);
    const c2 = await spawnNode({ id: 'c', dataDir: dirs[2], seeds: [a.url], port, ...common });
    await waitUntil('hints for c are delivered', async () => {
      const all = await Promise.all([a, b].map((p) => clusterStatus(p.httpUrl)));
      return all.every((s) => (s.hintsPending['c'] ?? 0) === 0) && all.some((s) => s.handoff.replayed > 0);
    });
    const cc = await connect(c2.url);
    clients.push(cc);
    for (const [k, v] of acked) expect(firstValueText(await get(cc, k, 2)), k).toBe(v);

    await Promise.all(clients.splice(0).map((x) => x.close().catch(() => {})));
    await Promise.all([a, b, c2].map(stopped));
    const keys = [...acked.keys()];
    for (const dir of dirs) {
      const sets = await storedSets(dir as string, keys);
      for (const [k, v] of acked) expect(valuesOf(sets.get(k)), `${k} in ${dir}`).toEqual([v]);
    }
  }, 60_000);
});
