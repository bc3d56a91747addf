/** `ringkv put --ttl / --if-absent / --if-match` and `ringkv del --if-match` against a node in this process (issue 18). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, type PutCommand } from '../src/args.js';
import { main } from '../src/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-kv-cond-'));
let node: RingkvNode;

async function cli(...argv: string[]): Promise<{ code: number | 'running'; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--url', node.url], { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  node = await startNode({ id: 'cli-cond', port: 0, dataDir: join(dir, 'data'), durability: 'none', logLevel: 'silent' });
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('put --ttl', () => {
  it('reads --ttl with units into milliseconds, up to 10 years', () => {
    const ttl = (t: string): number | undefined => (parseCommand(['put', 'k', 'v', '--ttl', t]) as PutCommand).ttlMs;
    expect(ttl('30s')).toBe(30_000);
    expect(ttl('500ms')).toBe(500);
    expect(ttl('2h')).toBe(7_200_000);
    expect(ttl('7d')).toBe(604_800_000);
    expect(ttl('3650d')).toBe(315_360_000_000);
    expect((parseCommand(['put', 'k', 'v']) as PutCommand).ttlMs).toBeUndefined();
  });

  it('refuses a malformed, zero or too long ttl as a usage error', async () => {
    for (const t of ['0s', 'soon', '1.5.5s', '3651d']) {
      const r = await cli('put', 'ttl:bad', 'v', '--ttl', t);
      expect(r.code, t).toBe(2);
      expect(r.err).toContain('--ttl must look like 10s, 500ms or 2m (at most 10 years)');
    }
  });

  it('stores a value that the node stops returning once its ttl passed', async () => {
    expect((await cli('put', 'ttl:k', 'soon-gone', '--ttl', '150ms')).code).toBe(0);
    const end = Date.now() + 30_000;
    let r = await cli('get', 'ttl:k', '--json');
    while (JSON.parse(r.out).found === true && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await cli('get', 'ttl:k', '--json');
    }
    expect(JSON.parse(r.out).found).toBe(false);
  });
});

describe('conditional put and del', () => {
  it('--if-absent writes once, then exits 1 naming the value that is there and its context', async () => {
    expect((await cli('put', 'c:k', 'first', '--if-absent')).code).toBe(0);
    const r = await cli('put', 'c:k', 'second', '--if-absent');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ringkv: put c:k: condition failed, nothing was written \[condition-failed\]; the key holds first \(context [A-Za-z0-9+/=]+\)$/);
    expect(JSON.parse((await cli('get', 'c:k', '--json')).out).siblings).toEqual([{ value: 'first' }]);
  });

  it('--if-match needs --context, and refuses a context older than the key', async () => {
    expect((await cli('put', 'm:k', 'v1', '--if-match')).code).toBe(2);
    expect((await cli('put', 'm:k', 'v1')).code).toBe(0);
    const read = JSON.parse((await cli('get', 'm:k', '--json')).out) as { context: string };
    expect((await cli('put', 'm:k', 'v2', '--context', read.context, '--if-match')).code).toBe(0);
    const stale = await cli('put', 'm:k', 'v3', '--context', read.context, '--if-match');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('the key holds v2');
    expect((await cli('del', 'm:k', '--context', read.context, '--if-match')).code).toBe(1);
    const now = JSON.parse((await cli('get', 'm:k', '--json')).out) as { context: string };
    expect((await cli('del', 'm:k', '--context', now.context, '--if-match')).code).toBe(0);
    expect(JSON.parse((await cli('get', 'm:k', '--json')).out).found).toBe(false);
  });

  it('--if-absent excludes --context, --blind and --if-match', async () => {
    expect((await cli('put', 'x', 'v', '--if-absent', '--blind')).code).toBe(2);
    expect((await cli('put', 'x', 'v', '--if-absent', '--if-match', '--context', 'AAA=')).code).toBe(2);
  });
});
