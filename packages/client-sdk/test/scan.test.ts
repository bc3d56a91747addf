/**
 * Key listing (issue 18) through the SDK against a real three-node cluster
 * (@ringkv/node-server ×3 in this process): every live key exactly once
 * through `scan` pages and the `keys()` iterator, prefixes, bytes keys, a
 * node down, and typed errors for bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '@ringkv/node-server';
import { connect, type Key, type RingkvClient } from '@ringkv/client-sdk';

const root = mkdtempSync(join(tmpdir(), 'ringkv-sdk-scan-'));
const fast: Partial<NodeOptions> = { gossipIntervalMs: 50, requestTimeoutMs: 3_000, logLevel: 'silent', durability: 'none', n: 3, r: 2, w: 2 };
const nodes: RingkvNode[] = [];
const clients: RingkvClient[] = [];
let started = 0;

async function start(id: string, seeds: string[]): Promise<RingkvNode> {
  const node = await startNode({ id, dataDir: join(root, `${id}-${started++}`), seeds, ...fast });
  nodes.push(node);
  return node;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function cluster(): Promise<{ nodes: RingkvNode[]; db: RingkvClient }> {
  const a = await start('a', []);
  const [b, c] = await Promise.all([start('b', [a.url]), start('c', [a.url])]);
  const db = await connect(a.url, { requestTimeoutMs: 5_000 });
  clients.push(db);
  await waitUntil('a sees three normal members', async () => {
    const ring = await db.ring();
    return ring.members.length === 3 && ring.members.every((m) => m.status === 'normal');
  });
  return { nodes: [a, b, c], db };
}

/** Writes 150 keys (every 10th under `user/`), deletes every 4th; the live ones. */
async function populate(db: RingkvClient): Promise<string[]> {
  const live: string[] = [];
  for (let i = 0; i < 150; i++) {
    const key = i % 10 === 0 ? `user/${i}` : `k${i}`;
    const put = await db.put(key, i);
    if (i % 4 === 0) await db.delete(key, { context: put.context });
    else live.push(key);
  }
  return live.sort();
}

const asText = (keys: Key[]): string[] => keys.map((k) => (typeof k === 'string' ? k : `bytes:${[...k].join(',')}`)).sort();

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => {})));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scan through the SDK', () => {
  it('lists every live key exactly once in pages of 7, through keys() and with a prefix, and resumes from a page cursor', async () => {
    const { db } = await cluster();
    const live = await populate(db);
    const paged: Key[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await db.scan({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.keys.length).toBeLessThanOrEqual(7);
      paged.push(...page.keys);
      cursor = page.cursor;
      if (cursor !== undefined) cursors.push(cursor);
    } while (cursor !== undefined);
    expect(asText(paged)).toEqual(live);
    expect(new Set(paged).size).toBe(paged.length);

    const all: Key[] = [];
    for await (const key of db.keys()) all.push(key);
    expect(asText(all)).toEqual(live);

    const users: Key[] = [];
    for await (const key of db.keys({ prefix: 'user/', limit: 2 })) users.push(key);
    expect(asText(users)).toEqual(live.filter((k) => k.startsWith('user/')));

    const resumeAt = cursors[Math.floor(cursors.length / 2)] as string;
    const rest: Key[] = [];
    for (let c: string | undefined = resumeAt; c !== undefined; ) {
      const page = await db.scan({ cursor: c, limit: 50 });
      rest.push(...page.keys);
      c = page.cursor;
    }
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((k) => live.includes(k as string))).toBe(true);
  });

  it('lists every live key with one of three nodes stopped, and returns a bytes key that is not UTF-8 as bytes', async () => {
    const { nodes: [, , c], db } = await cluster();
    const live = await populate(db);
    await db.put(Uint8Array.of(0xff, 0x00, 0x01), 'raw');
    await c?.stop();
    const all: Key[] = [];
    await waitUntil('a scan lists every key with c stopped', async () => {
      all.length = 0;
      try {
        for await (const key of db.keys({ limit: 100 })) all.push(key);
        return true;
      } catch {
        return false; // until gossip marks c down, a round waits on it and may time out: retried
      }
    });
    expect(asText(all)).toEqual([...live, 'bytes:255,0,1'].sort());
  });

  it('refuses a cursor no page returned, a limit outside 1…1000 and a bad prefix with typed errors', async () => {
    const { db } = await cluster();
    await expect(db.scan({ cursor: 'not a cursor!' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(db.scan({ cursor: 'AAAAAAAAAAAA' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(db.scan({ limit: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(db.scan({ limit: 1001 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(db.scan({ prefix: '' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(db.scan({ r: 4 })).rejects.toMatchObject({ code: 'unavailable' });
  });
});
