/**
 * Tokens with roles, key prefixes and rates (issue 16): a node started with a
 * tokens file admits each token to what its role and prefix allow, refuses
 * the rest with `forbidden`, tells an over-rate token when to retry, reloads
 * the file when it changes, and closes the connections of a revoked token.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNodeServerError, mintToken, type RingkvNode, type TokenEntry } from '../src/index.js';
import { formatTokensFile, parseTokensFile } from '../src/auth/tokens-file.js';
import { connect, open } from './support/client.js';
import { removeTempDirs, startTestNode, tempDir } from './support/node.js';

const now = new Date('2026-12-07T00:00:00Z');
const reader = mintToken({ role: 'read' }, now);
const writer = mintToken({ role: 'write', name: 'app' }, now);
const admin = mintToken({ role: 'admin' }, now);
const scoped = mintToken({ role: 'write', prefix: 'tenant-a/' }, now);
const slow = mintToken({ role: 'write', requestsPerSec: 2 }, now);

let file: string;
let node: RingkvNode;

function writeTokens(entries: readonly TokenEntry[]): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, formatTokensFile(entries));
  renameSync(tmp, file); // as `ringkv token` does: a node never reads half a file
}

beforeAll(async () => {
  file = join(tempDir(), 'tokens.json');
  writeTokens([reader.entry, writer.entry, admin.entry, scoped.entry, slow.entry]);
  node = await startTestNode({ tokensFile: file, clusterSecret: 'peer-secret' });
});

afterAll(async () => {
  await node.stop();
  removeTempDirs();
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('tokens with roles (issue 16)', () => {
  it('refuses a hello without a token, with a wrong secret, or with the legacy form', async () => {
    for (const token of [undefined, `${reader.token.slice(0, -4)}AAAA`, 'not-a-token']) {
      const c = await open(node.url);
      const reply = await c.hello(token);
      expect(reply).toMatchObject({ type: 'error', code: 'unauthorized' });
      expect((await c.closed).code).toBe(1008);
    }
  });

  it('lets a read token get but not put or delete', async () => {
    const c = await connect(node.url, reader.token);
    expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
    expect(await c.request({ type: 'put', key: 'k', value: new Uint8Array([1]) })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await c.request({ type: 'delete', key: 'k' })).toMatchObject({ type: 'error', code: 'forbidden' });
    // A batch with one write among reads is refused whole.
    const batch = await c.request({ type: 'batch', ops: [{ type: 'get', key: 'a' }, { type: 'put', key: 'b', value: new Uint8Array([2]) }] });
    expect(batch).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' }); // the connection stays open
  });

  it('lets a write token read and write', async () => {
    const c = await connect(node.url, writer.token);
    expect(await c.request({ type: 'put', key: 'w', value: new Uint8Array([7]) })).toMatchObject({ type: 'put-ok' });
    expect(await c.request({ type: 'get', key: 'w' })).toMatchObject({ type: 'get-ok', found: true });
  });

  it('keeps a prefixed token to its keys, in single requests and batches', async () => {
    const c = await connect(node.url, scoped.token);
    expect(await c.request({ type: 'put', key: 'tenant-a/x', value: new Uint8Array([1]) })).toMatchObject({ type: 'put-ok' });
    expect(await c.request({ type: 'get', key: 'tenant-b/x' })).toMatchObject({ type: 'error', code: 'forbidden' });
    const batch = await c.request({ type: 'batch', ops: [{ type: 'get', key: 'tenant-a/x' }, { type: 'get', key: 'other' }] });
    expect(batch).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('answers a token over its rate with rate-limited and when to retry', async () => {
    const c = await connect(node.url, slow.token);
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await c.request({ type: 'get', key: 'r' }));
    const limited = replies.filter((r) => r.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ code: 'rate-limited' });
    const retryAfterMs = (limited[0] as { retryAfterMs?: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(500); // one request of a 2/s bucket
    expect(replies.filter((r) => r.type === 'get-ok').length).toBeGreaterThan(0);
  });

  it('stops reading a connection after a rate-limited answer until the token may send again, then serves it', async () => {
    const held = async (): Promise<number> => Number(/ringkv_connections_held_for_rate_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${node.httpUrl}/metrics`, { headers: { authorization: `Bearer ${admin.token}` } })).text())?.[1]);
    const before = await held();
    const c = await connect(node.url, slow.token);
    // Pipelined: more than the bucket holds, all sent at once, as a flood sends them.
    const replies = await Promise.all(Array.from({ length: 20 }, () => c.request({ type: 'get', key: 'r' })));
    expect(replies.some((r) => r.type === 'error' && r.code === 'rate-limited')).toBe(true);
    expect(await held()).toBeGreaterThan(before);
    // The hold ends by itself: the same connection is read and served again once the bucket refills (polled, no duration asserted).
    await until(async () => (await c.request({ type: 'get', key: 'r' })).type === 'get-ok', 'a get-ok after the hold');
  });

  it('takes admin calls only from an admin token', async () => {
    const post = (token: string | undefined) =>
      fetch(`${node.httpUrl}/admin/cleanup`, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    expect((await post(undefined)).status).toBe(401);
    const refused = await post(writer.token);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await post(admin.token)).status).toBe(200);
  });

  it('closes the connections of a revoked token within a second and admits a token added meanwhile', async () => {
    const c = await connect(node.url, writer.token);
    expect(await c.request({ type: 'get', key: 'w' })).toMatchObject({ type: 'get-ok' });
    const added = mintToken({ role: 'read' }, now);
    writeTokens([reader.entry, admin.entry, scoped.entry, slow.entry, added.entry]);
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    expect(c.unsolicited).toContainEqual(expect.objectContaining({ type: 'error', code: 'unauthorized' }));
    const fresh = await open(node.url);
    expect(await fresh.hello(writer.token)).toMatchObject({ type: 'error', code: 'unauthorized' });
    await until(async () => {
      const d = await open(node.url);
      const ok = (await d.hello(added.token)).type === 'hello-ok';
      d.ws.close();
      return ok;
    }, 'the added token to be admitted');
  });

  it('keeps the tokens in force when the file turns malformed', async () => {
    writeFileSync(`${file}.tmp`, '{ "version": 1, "tokens": [ { "id": "zz" } ] }');
    renameSync(`${file}.tmp`, file);
    await new Promise((r) => setTimeout(r, 600)); // a few watch intervals
    const c = await connect(node.url, reader.token);
    expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
  });
});

describe('the tokens file', () => {
  it('never holds a secret and round-trips through its text', () => {
    const text = formatTokensFile([reader.entry, scoped.entry]);
    expect(text).not.toContain(reader.token.slice('rkv_'.length + 17)); // the secret: after rkv_<16 hex>_ (base64url may itself hold '_')
    expect(parseTokensFile(text, 'f').tokens).toEqual([reader.entry, scoped.entry]);
  });

  it.each([
    ['an unknown field', { ...reader.entry, extra: 1 }, /unknown field "extra"/],
    ['an unknown role', { ...reader.entry, role: 'root' }, /role must be read, write or admin/],
    ['a bad hash', { ...reader.entry, sha256: 'abc' }, /sha256 must be 64 hex digits/],
    ['a zero rate', { ...reader.entry, requestsPerSec: 0 }, /requestsPerSec must be a positive number/],
  ])('refuses an entry with %s, naming it', (_what, entry, message) => {
    const text = JSON.stringify({ version: 1, tokens: [entry] });
    expect(() => parseTokensFile(text, 'f')).toThrow(message);
  });

  it('refuses duplicate ids', () => {
    expect(() => parseTokensFile(formatTokensFile([reader.entry, reader.entry]), 'f')).toThrow(/duplicate id/);
  });

  it('stops a node from starting on a missing tokens file, and a tokens file without a cluster secret', async () => {
    const missing = startTestNode({ tokensFile: join(tempDir(), 'absent.json'), clusterSecret: 's' });
    await expect(missing).rejects.toSatisfy((e: unknown) => isNodeServerError(e) && e.code === 'invalid-option');
    await expect(startTestNode({ tokensFile: file })).rejects.toThrow(/tokensFile needs clusterSecret/);
  });
});
