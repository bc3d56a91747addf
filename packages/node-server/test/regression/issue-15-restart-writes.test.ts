/**
 * Issue 15, item 10: writes failed for ~3 s after a node restarted (1,565 of
 * 54,773 over 6 restarts, `quorum-not-met`, "0 of 2 replicas acknowledged").
 * A node started with seeds knows only itself until gossip hears from the
 * cluster, so its ring placed every key on itself alone and it refused each
 * write at once. Now a client op waits for the membership (within its
 * deadline). (A peer seen up again is dialled at once rather than after its
 * link's reconnect backoff: test/peer-link.test.ts.)
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '../../src/index.js';
import { connect, type TestClient } from '../support/client.js';
import { put, startThree } from '../support/cluster.js';
import { removeTempDirs } from '../support/node.js';

const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 3_000, logLevel: 'silent', n: 3, r: 2, w: 2 };
const running = new Set<RingkvNode>();
const clients: TestClient[] = [];

async function start(id: string, dataDir: string, seeds: string[], port = 0): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir, seeds, port, ...fast });
  running.add(node);
  return node;
}

async function stop(node: RingkvNode): Promise<void> {
  running.delete(node);
  await node.stop();
}

async function client(url: string): Promise<TestClient> {
  const c = await connect(url);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await Promise.all([...running].map((n) => stop(n).catch(() => {})));
});
afterAll(removeTempDirs);

/** Puts `count` keys at once through `c`; resolves with the replies that are not `put-ok`. */
async function failedPuts(c: TestClient, prefix: string, count: number): Promise<string[]> {
  const replies = await Promise.all(Array.from({ length: count }, (_, i) => put(c, `${prefix}-${i}`, 'v', 2)));
  return replies.filter((r) => r.type !== 'put-ok').map((r) => JSON.stringify(r));
}

describe('issue 15: writes right after a node restarts', () => {
  it('a restarted node coordinates no write before it knows its peers: none fails quorum-not-met while all three are up', async () => {
    const { nodes, dirs } = await startThree((id, dataDir, seeds) => start(id, dataDir, seeds));
    const [a, b] = nodes;
    let c = nodes[2];
    const port = Number(new URL(c.url).port);
    const viaA = await client(a.url);
    const viaB = await client(b.url);
    for (let round = 0; round < 3; round++) {
      await stop(c);
      c = await start('c', dirs[2], [a.url, b.url], port);
      const viaC = await client(c.url);
      const failed = (await Promise.all([failedPuts(viaC, `c${round}`, 100), failedPuts(viaA, `a${round}`, 50), failedPuts(viaB, `b${round}`, 50)])).flat();
      expect(failed, `round ${round}`).toEqual([]);
    }
  });
});
