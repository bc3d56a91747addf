/**
 * /status reports, per member, the node's own view of reachability (its peer
 * link and when it last heard the member's gossip), which changes as soon as
 * the link drops, while the gossip state waits for a confirmed failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nodeTracker, removeTempDirs } from './support/node.js';

const nodes = nodeTracker();
afterAll(async () => {
  await nodes.stopAll();
  removeTempDirs();
});

interface Member {
  id: string;
  status: string;
  reach: { link: string; heardAgoMs: number | null };
}

async function members(httpUrl: string): Promise<Member[]> {
  const s = (await (await fetch(`${httpUrl}/status`)).json()) as { cluster: { members: Member[] } };
  return s.cluster.members;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe('/status reachability', () => {
  it("shows self, then the peer's link up with a recent last-heard time, then the link down once the peer stops", async () => {
    const a = await nodes.start({ id: 'a', n: 2, r: 1, w: 1, gossipIntervalMs: 100 });
    const b = await nodes.start({ id: 'b', n: 2, r: 1, w: 1, gossipIntervalMs: 100, seeds: [a.url] });
    await until(async () => (await members(a.httpUrl)).find((m) => m.id === 'b')?.reach.link === 'up');
    const before = await members(a.httpUrl);
    expect(before.find((m) => m.id === 'a')?.reach).toEqual({ link: 'self', heardAgoMs: 0 });
    expect(typeof before.find((m) => m.id === 'b')?.reach.heardAgoMs).toBe('number');
    await b.stop();
    await until(async () => (await members(a.httpUrl)).find((m) => m.id === 'b')?.reach.link === 'down');
    const after = (await members(a.httpUrl)).find((m) => m.id === 'b');
    expect(after?.reach.heardAgoMs).toBeGreaterThanOrEqual(0);
  });
});
