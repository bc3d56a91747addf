/**
 * `ringkv repair` against two real nodes in this process: progress lines on
 * stderr, then a summary with the keys the pass repaired.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { progressLine } from '../src/commands/repair.js';

const dirs: string[] = [];
const nodes: RingkvNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringkv-repair-'));
  dirs.push(d);
  return d;
}

async function ringOf(httpUrl: string): Promise<number> {
  const s = (await (await fetch(`${httpUrl}/status`)).json()) as { cluster?: { members?: unknown[]; down?: unknown[] } };
  return (s.cluster?.members?.length ?? 0) - (s.cluster?.down?.length ?? 0);
}

describe('ringkv repair', () => {
  it('prints progress and a summary of a pass between two in-sync nodes', async () => {
    const common = { gossipIntervalMs: 50, logLevel: 'silent', n: 2, r: 1, w: 2 } as const;
    const a = await startNode({ id: 'a', dataDir: dir(), port: 0, ...common });
    nodes.push(a);
    const b = await startNode({ id: 'b', dataDir: dir(), port: 0, seeds: [a.url], ...common });
    nodes.push(b);
    for (let i = 0; i < 200 && ((await ringOf(a.httpUrl)) < 2 || (await ringOf(b.httpUrl)) < 2); i++) await new Promise((r) => setTimeout(r, 25));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['repair', '--url', b.url], { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} });
    expect(code, err.join('\n')).toBe(0);
    expect(err.some((l) => l.startsWith('repair [') && l.includes('with a'))).toBe(true);
    expect(out.join('\n')).toMatch(/1 replica set compared in 1 exchange \(1 round trips\)/);
    expect(out.join('\n')).toMatch(/keys repaired 0/);
  });

  it('says nothing was compared and exits 1 when every other replica is down; a node alone exits 0', async () => {
    const common = { gossipIntervalMs: 50, logLevel: 'silent', n: 2, r: 1, w: 1 } as const;
    const a = await startNode({ id: 'a', dataDir: dir(), port: 0, ...common });
    nodes.push(a);
    const b = await startNode({ id: 'b', dataDir: dir(), port: 0, seeds: [a.url], ...common });
    for (let i = 0; i < 200 && (await ringOf(a.httpUrl)) < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await b.stop();
    const downOf = async (): Promise<number> => ((await (await fetch(`${a.httpUrl}/status`)).json()) as { cluster: { down: unknown[] } }).cluster.down.length;
    for (let i = 0; i < 400 && (await downOf()) < 1; i++) await new Promise((r) => setTimeout(r, 25));
    const err: string[] = [];
    const code = await main(['repair', '--url', a.url], { stdout: () => {}, stderr: (l) => err.push(l), env: {} });
    expect(code).toBe(1);
    expect(err.at(-1)).toBe("ringkv: repair: nothing was compared: no other replica of this node's ranges was reachable (down as a sees them: b); run it again once they are up");
    const alone = await startNode({ id: 'solo', dataDir: dir(), port: 0, gossipIntervalMs: 50, logLevel: 'silent' });
    nodes.push(alone);
    expect(await main(['repair', '--url', alone.url], { stdout: () => {}, stderr: () => {}, env: {} })).toBe(0);
  });

  it('draws a full bar when every exchange is done', () => {
    expect(progressLine({ done: 3, total: 3, group: '', peer: '' })).toBe(`repair [${'#'.repeat(20)}] 3/3  done`);
    expect(progressLine({ done: 1, total: 4, group: 'a,b', peer: 'b' })).toBe(`repair [#####${'-'.repeat(15)}] 1/4  replicas a,b with b`);
  });
});
