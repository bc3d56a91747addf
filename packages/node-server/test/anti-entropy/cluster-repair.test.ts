/**
 * Anti-entropy between real nodes in one process (WebSocket peers, lsm
 * engines on temp dirs): a node restarted on an empty data directory with the
 * same id converges after `POST /repair`, and a second pass between in-sync
 * replicas exchanges only roots.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '../../src/index.js';
import { connect, type TestClient } from '../support/client.js';
import { agree, put, storedSets, valuesOf, waitUntil } from '../support/cluster.js';
import { removeTempDirs, tempDir } from '../support/node.js';

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 2_000, logLevel: 'silent', durability: 'sync', n: 3, r: 2, w: 3 };
const running: RingkvNode[] = [];
const clients: TestClient[] = [];

async function start(id: string, dataDir: string, seeds: string[], extra: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir, seeds, ...fast, ...extra });
  running.push(node);
  return node;
}

interface Summary {
  rangesCompared: number;
  exchanges: number;
  exchangesFailed: number;
  keysRepaired: number;
  keysPulled: number;
  bytesReceived: number;
  roundTrips: number;
}

/** POST /repair; the last ndjson line holds the summary. */
async function repair(httpUrl: string): Promise<{ summary: Summary; lines: string[] }> {
  const res = await fetch(`${httpUrl}/repair`, { method: 'POST' });
  expect(res.status).toBe(200);
  const lines = (await res.text()).trim().split('\n');
  return { summary: (JSON.parse(lines[lines.length - 1] as string) as { summary: Summary }).summary, lines };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all(running.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(removeTempDirs);

describe('anti-entropy in a three-node cluster', () => {
  it('refills a node restarted on an empty data directory, then in-sync passes exchange only roots', async () => {
    const dirs = [tempDir(), tempDir(), tempDir()];
    const a = await start('a', dirs[0] as string, []);
    const b = await start('b', dirs[1] as string, [a.url]);
    const c = await start('c', dirs[2] as string, [a.url]);
    await waitUntil('three nodes agree', () => agree([a, b, c].map((n) => n.httpUrl), ['a', 'b', 'c']));
    const client = await connect(a.url);
    clients.push(client);
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    for (const key of keys) expect((await put(client, key, `v-${key}`, 3)).type).toBe('put-ok');

    const cPort = Number(new URL(c.url).port);
    await c.stop();
    running.splice(running.indexOf(c), 1);
    dirs[2] = tempDir();
    const c2 = await start('c', dirs[2] as string, [a.url], { port: cPort });
    await waitUntil('the wiped node is back in the ring', () => agree([a, b, c2].map((n) => n.httpUrl), ['a', 'b', 'c']));

    const first = await repair(c2.httpUrl);
    expect(first.summary.exchangesFailed).toBe(0);
    expect(first.summary.keysPulled).toBe(keys.length);
    expect(first.lines.some((l) => l.includes('"progress"'))).toBe(true);

    const again = await repair(a.httpUrl);
    expect(again.summary.keysRepaired).toBe(0);
    expect(again.summary.bytesReceived).toBe(8 * again.summary.exchanges);
    expect(again.summary.roundTrips).toBe(again.summary.exchanges);

    const status = (await (await fetch(`${c2.httpUrl}/status`)).json()) as { antiEntropy: { passes: number; keysRepaired: number } };
    expect(status.antiEntropy.passes).toBe(1);
    expect(status.antiEntropy.keysRepaired).toBe(keys.length);
    const metrics = await (await fetch(`${c2.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ringkv_ae_keys_repaired_total\{node="c"\} 60/);

    await Promise.all(running.splice(0).map((n) => n.stop()));
    const sets = await Promise.all(dirs.map((d) => storedSets(d, keys)));
    for (const key of keys) for (const [i, s] of sets.entries()) expect(valuesOf(s.get(key)), `${key} on node ${i}`).toEqual([`v-${key}`]);
  });
});
