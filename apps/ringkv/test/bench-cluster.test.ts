/** `ringkv bench --seeds` (in process) against three real nodes with N=2: requests go straight to replicas. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { parseCommand, runBench, type BenchCommand, type Io } from '../src/index.js';

let dir: string;
const nodes: RingkvNode[] = [];
const io: Io = { env: {}, stdout: () => {}, stderr: () => {} };

interface Status {
  requests?: Record<string, number>;
  cluster: { members: { status: string }[]; forwarding: { forwardedOut: number } };
}
async function status(node: RingkvNode): Promise<Status> {
  return (await (await fetch(`${node.httpUrl}/status`)).json()) as Status;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-cluster-'));
  // N=2 over three nodes: a third of the keys are not replicated by any given node, so a client that ignored the ring would be forwarded often.
  const common = { durability: 'none', logLevel: 'silent', gossipIntervalMs: 50, n: 2, r: 1, w: 1 } as const;
  const first = await startNode({ id: 'a', port: 0, dataDir: join(dir, 'a'), seeds: [], ...common });
  nodes.push(first);
  for (const id of ['b', 'c']) nodes.push(await startNode({ id, port: 0, dataDir: join(dir, id), seeds: [first.url], ...common }));
  for (let i = 0; i < 600; i++) {
    const views = await Promise.all(nodes.map(status));
    if (views.every((v) => v.cluster.members.filter((m) => m.status === 'normal').length === 3)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('ringkv bench --seeds', () => {
  it('sends requests straight to replicas: almost none is forwarded', async () => {
    const seeds = nodes.map((n) => n.url.replace('ws://', '')).join(',');
    const command = parseCommand(['bench', '--seeds', seeds, '-c', '4', '-P', '4', '-n', '1200', '-r', '500', '-d', '16']) as BenchCommand;
    const result = await runBench(command, io);
    expect(result.errors, result.firstError).toBe(0);
    expect(result.all.count).toBe(1200);
    const views = await Promise.all(nodes.map(status));
    const forwarded = views.reduce((sum, v) => sum + v.cluster.forwarding.forwardedOut, 0);
    // Routing through any one node would forward about a third (≈ 400); only warm-up requests sent before the ring arrived may be.
    expect(forwarded).toBeLessThan(60);
  });
});
