/**
 * `/health` of a joining node is 503 `joining` (routes.ts invariant 2): it
 * serves none of its ranges until its join has streamed them, so a readiness
 * probe must not pass yet. A node whose only seed is down stays joining.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { removeTempDirs, startTestNode } from './support/node.js';

const running: RingkvNode[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop().catch(() => {})));
  removeTempDirs();
});

describe('/health while joining', () => {
  it('answers 503 joining while the join has not streamed, and 200 on a normal node', async () => {
    const seed = await startTestNode({ id: 'seed-1', gossipIntervalMs: 50 });
    const seedUrl = seed.url;
    await seed.stop();
    const joining = await startTestNode({ id: 'joiner-1', seeds: [seedUrl], join: true, gossipIntervalMs: 50 });
    running.push(joining);
    const res = await fetch(`${joining.httpUrl}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'joining', id: 'joiner-1' });
    const normal = await startTestNode({ id: 'alone-1' });
    running.push(normal);
    expect((await fetch(`${normal.httpUrl}/health`)).status).toBe(200);
  });
});
