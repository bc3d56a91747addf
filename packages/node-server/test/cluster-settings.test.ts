/**
 * Cluster settings agreed between in-process nodes (README, "Cluster
 * settings"): a node joining with defaults adopts the first node's explicit
 * settings, one with a different explicit value is refused with
 * `settings-mismatch`, a restart runs with its persisted record, and a member
 * whose record differs is reported by the others from its gossip entry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isNodeServerError, type RingkvNode } from '../src/index.js';
import { waitUntil } from './support/cluster.js';
import { removeTempDirs, startTestNode, tempDir } from './support/node.js';

const running: RingkvNode[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
  removeTempDirs();
});

async function start(options: Parameters<typeof startTestNode>[0]): Promise<RingkvNode> {
  const node = await startTestNode({ gossipIntervalMs: 50, ...options });
  running.push(node);
  return node;
}

interface Settings {
  n: number;
  r: number;
  w: number;
  mode: string;
  origin: string;
  source: string;
  effectiveN: number;
  disagreeing: { id: string; settings: string }[];
}

async function settingsOf(node: RingkvNode): Promise<Settings> {
  return ((await (await fetch(`${node.httpUrl}/status`)).json()) as { cluster: { settings: Settings } }).cluster.settings;
}

const seedOf = (node: RingkvNode): string => node.url;

describe('cluster settings', () => {
  it('a node joining with defaults adopts the settings the first node was started with, and serves them on /cluster/settings', async () => {
    const a = await start({ id: 'a', n: 2, r: 1, w: 1, mode: 'strict' });
    const b = await start({ id: 'b', seeds: [seedOf(a)] });
    expect(await settingsOf(a)).toMatchObject({ n: 2, r: 1, w: 1, mode: 'strict', origin: 'a', source: 'founded' });
    expect(await settingsOf(b)).toMatchObject({ n: 2, r: 1, w: 1, mode: 'strict', origin: 'a', source: 'seed' });
    const served = (await (await fetch(`${b.httpUrl}/cluster/settings`)).json()) as { settings: { values: { n: number }; origin: string } };
    expect(served.settings).toMatchObject({ values: { n: 2, mode: 'strict' }, origin: 'a' });
  });

  it('refuses a node whose explicit N differs from the cluster, naming the setting and both values', async () => {
    const a = await start({ id: 'a' });
    const refused = await start({ id: 'c', seeds: [seedOf(a)], n: 5 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isNodeServerError(refused) && refused.code).toBe('settings-mismatch');
    expect((refused as Error).message).toMatch(/^node-server: setting n is 5 here but 3 in the cluster \(the cluster's, founded by a\)/);
  });

  it('a restart runs with its persisted settings and refuses an explicit value that differs from them', async () => {
    const dataDir = tempDir();
    const first = await start({ id: 'a', dataDir, n: 1 });
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const again = await start({ id: 'a', dataDir });
    expect(await settingsOf(again)).toMatchObject({ n: 1, r: 1, w: 1, source: 'persisted', origin: 'a' });
    await again.stop();
    running.splice(running.indexOf(again), 1);
    await expect(start({ id: 'a', dataDir, hintTtlMs: 60_000 })).rejects.toThrow(/setting hintTtlMs is 60000 here but 10800000 in the cluster \(agreed when .* first started/);
  });

  it('a lone first node with the default N=3 serves writes at the capped W and counts every member it has seen', async () => {
    const a = await start({ id: 'a' });
    expect(await settingsOf(a)).toMatchObject({ n: 3, w: 2, effectiveN: 1 });
    const b = await start({ id: 'b', seeds: [seedOf(a)] });
    await waitUntil('a to see b', async () => (await settingsOf(a)).effectiveN === 2);
    await b.stop();
    running.splice(running.indexOf(b), 1);
    expect((await settingsOf(a)).effectiveN).toBe(2);
  });

  it('reports a member that gossips other settings (one that founded its own before it met the cluster)', async () => {
    const a = await start({ id: 'a', n: 2, r: 1, w: 1 });
    const dataDir = tempDir();
    const loner = await start({ id: 'x', dataDir });
    await loner.stop();
    running.splice(running.indexOf(loner), 1);
    await start({ id: 'x', dataDir, seeds: [seedOf(a)] });
    await waitUntil('a to report x', async () => (await settingsOf(a)).disagreeing.length > 0);
    expect((await settingsOf(a)).disagreeing).toEqual([{ id: 'x', settings: expect.stringMatching(/^n=3 r=2 w=2 mode=sloppy /) }]);
  });
});
