/**
 * `ringkv keys` against a two-node cluster (N=2, R=2, W=2) in this process:
 * every live key once, a prefix, JSON lines, bytes keys as hex, and
 * `--limit` stopping with the command that resumes the listing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../src/args.js';
import { main } from '../src/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-keys-'));
const nodes: RingkvNode[] = [];
const live: string[] = [];

async function cli(...argv: string[]): Promise<{ code: number | 'running'; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--url', (nodes[0] as RingkvNode).url], { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} });
  return { code, out, err: err.join('\n') };
}

beforeAll(async () => {
  const common = { gossipIntervalMs: 50, logLevel: 'silent', durability: 'none', n: 2, r: 2, w: 2 } as const;
  const first = await startNode({ id: 'node1', port: 0, dataDir: join(dir, 'node1'), seeds: [], ...common });
  nodes.push(first, await startNode({ id: 'node2', port: 0, dataDir: join(dir, 'node2'), seeds: [first.url], ...common }));
  const db: RingkvClient = await connect(first.url);
  try {
    for (let i = 0; i < 400; i++) {
      const ring = await db.ring();
      if (ring.members.filter((m) => m.status === 'normal').length === 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    for (let i = 0; i < 40; i++) {
      const key = i % 4 === 0 ? `app/${i}` : `k${i}`;
      const put = await db.put(key, i);
      if (i % 5 === 0) await db.delete(key, { context: put.context });
      else live.push(key);
    }
    await db.put(Uint8Array.of(0xfe, 0x01), 'raw');
  } finally {
    await db.close();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('ringkv keys', () => {
  it('prints every live key once, bytes keys as 0x hex, and nothing deleted', async () => {
    const r = await cli('keys');
    expect(r.code).toBe(0);
    expect(r.out.sort()).toEqual([...live, '0xfe01'].sort());
  });

  it('prints only the keys with --prefix, as JSON values with --json', async () => {
    const r = await cli('keys', '--prefix', 'app/', '--json');
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l) as string).sort()).toEqual(live.filter((k) => k.startsWith('app/')).sort());
    const all = await cli('keys', '--json');
    expect(all.out).toContain(JSON.stringify({ hex: 'fe01' }));
  });

  it('stops after --limit keys and tells how to resume; resuming prints the rest', async () => {
    const first = await cli('keys', '--limit', '5');
    expect(first.code).toBe(0);
    expect(first.out).toHaveLength(5);
    const cursor = /--cursor (\S+)/.exec(first.err)?.[1];
    expect(cursor, first.err).toBeDefined();
    const rest = await cli('keys', '--cursor', cursor as string);
    expect([...first.out, ...rest.out].sort()).toEqual([...live, '0xfe01'].sort());
  });

  it('refuses an empty prefix, a bad limit and a cursor no listing printed', async () => {
    expect(() => parseCommand(['keys', '--prefix', ''])).toThrow(expect.objectContaining({ code: 'usage' }));
    expect(() => parseCommand(['keys', '--limit', '0'])).toThrow(expect.objectContaining({ code: 'usage' }));
    expect(() => parseCommand(['keys', '--cursor', 'a b'])).toThrow(expect.objectContaining({ code: 'usage' }));
    const r = await cli('keys', '--cursor', 'AAAAAAAAAAAA');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[invalid-argument\]$/);
  });
});
