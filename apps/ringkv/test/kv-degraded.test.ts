/**
 * `ringkv get|put|del` against a three-node cluster (N=3, R=2, W=2) in this
 * process with two nodes stopped: errors name the command that ran and say
 * nothing was written, and `--r`/`--w` degrade on purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-kv-degraded-'));
const nodes: RingkvNode[] = [];

async function downCount(httpUrl: string): Promise<number> {
  const s = (await (await fetch(`${httpUrl}/status`)).json()) as { cluster?: { down?: unknown[] } };
  return s.cluster?.down?.length ?? 0;
}

async function cli(...argv: string[]): Promise<{ code: number | 'running'; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--url', (nodes[0] as RingkvNode).url], { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  const common = { gossipIntervalMs: 50, logLevel: 'silent', durability: 'none', n: 3, r: 2, w: 2 } as const;
  const first = await startNode({ id: 'node1', port: 0, dataDir: join(dir, 'node1'), seeds: [], ...common });
  nodes.push(first);
  for (const id of ['node2', 'node3']) nodes.push(await startNode({ id, port: 0, dataDir: join(dir, id), seeds: [first.url], ...common }));
  for (let i = 0; i < 400; i++) {
    const s = (await (await fetch(`${first.httpUrl}/status`)).json()) as { cluster?: { members?: { status: string }[] } };
    if ((s.cluster?.members ?? []).filter((m) => m.status === 'normal').length === 3) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  expect((await cli('put', 'k', 'before')).code).toBe(0);
  await (nodes[1] as RingkvNode).stop();
  await (nodes[2] as RingkvNode).stop();
  for (let i = 0; i < 800 && (await downCount(first.httpUrl)) < 2; i++) await new Promise((r) => setTimeout(r, 25));
  expect(await downCount(first.httpUrl)).toBe(2);
}, 60_000);

afterAll(async () => {
  await (nodes[0] as RingkvNode | undefined)?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('get, put and del with two of three nodes down', () => {
  it('a put whose read-first fails names the put, says nothing was written and how to go on', async () => {
    const r = await cli('put', 'k', 'x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ringkv: put k: reading the key's current version first failed, so nothing was written: .*r=2 cannot be met.* \[unavailable\] \(give --r 1/);
    expect(r.err).not.toMatch(/ringkv: get k/);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it('a blind put is refused as unavailable (determinate, nothing written), not as an indeterminate quorum failure', async () => {
    const r = await cli('put', 'k', 'x', '--blind');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/put k: w=2 cannot be met: fewer than 2 replicas of this key are up .*nothing was written.*\[unavailable\]$/);
    expect(r.err).not.toMatch(/indeterminate/);
    expect((await cli('get', 'k', '--r', 'one')).out).toBe('before');
  });

  it('--r and --w degrade on purpose: the put reads one replica, writes one, and get --r 1 reads it back', async () => {
    const put = await cli('put', 'k', 'after', '--r', '1', '--w', 'one');
    expect(put.err).toBe('');
    expect(put.code).toBe(0);
    expect((await cli('get', 'k', '--r', '1')).out).toBe('after');
    expect((await cli('del', 'k', '--r', 'one', '--w', '1')).code).toBe(0);
    expect((await cli('get', 'k', '--r', '1')).out).toBe('(not found)');
    const get = await cli('get', 'k');
    expect(get.code).toBe(1);
    expect(get.err).toMatch(/^ringkv: get k: r=2 cannot be met/);
  });
});
