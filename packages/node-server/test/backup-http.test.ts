/**
 * The backup endpoints of one node (issue 18): a snapshot is taken while the
 * node serves and holds what it had acknowledged, its files are served only
 * by the names it lists, names cannot leave the backups directory, a
 * restore chunk is validated and bounded, and every route needs an admin
 * token on a node with tokens. The whole flow with real processes is
 * apps/ringkv test/backup-process.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mintToken, readBackupEntries, type NodeSnapshot, type RingkvNode } from '../src/index.js';
import { formatTokensFile } from '../src/auth/tokens-file.js';
import { writeFileSync } from 'node:fs';
import { connect } from './support/client.js';
import { removeTempDirs, startTestNode, tempDir } from './support/node.js';

const now = new Date('2026-12-07T00:00:00Z');
const admin = mintToken({ role: 'admin' }, now);
const writer = mintToken({ role: 'write' }, now);
let node: RingkvNode;
let dataDir: string;

beforeAll(async () => {
  const file = join(tempDir(), 'tokens.json');
  writeFileSync(file, formatTokensFile([admin.entry, writer.entry]));
  dataDir = tempDir();
  node = await startTestNode({ tokensFile: file, clusterSecret: 'peer-secret', dataDir, n: 1, r: 1, w: 1 } as never);
});

afterAll(async () => {
  await node.stop();
  removeTempDirs();
});

/** `token` null: no Authorization header. */
const call = (method: string, path: string, token: string | null = admin.token, body?: string | Uint8Array) =>
  fetch(`${node.httpUrl}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });

describe('backup endpoints (issue 18)', () => {
  it('takes a snapshot holding what the node acknowledged, serves its listed files, and drops it', async () => {
    const c = await connect(node.url, writer.token);
    for (let i = 0; i < 50; i++) expect(await c.request({ type: 'put', key: `k${i}`, value: new Uint8Array([i]) })).toMatchObject({ type: 'put-ok' });
    const res = await call('POST', '/admin/backup', admin.token, JSON.stringify({ name: 'b1' }));
    expect(res.status).toBe(200);
    const snapshot = (await res.json()) as NodeSnapshot;
    expect(snapshot).toMatchObject({ format: 1, name: 'b1', nodeId: 'n1' });
    expect(snapshot.tables).toBeGreaterThan(0);
    const keys: string[] = [];
    await readBackupEntries(join(dataDir, 'backups', 'b1'), (e) => void keys.push(new TextDecoder().decode(e.key)));
    expect(keys.filter((k) => k.startsWith('k')).length).toBe(50);
    const file = snapshot.files.find((f) => f.name.endsWith('.sst'));
    const got = await call('GET', `/admin/backup/b1/${file?.name}`);
    expect(got.status).toBe(200);
    expect((await got.arrayBuffer()).byteLength).toBe(file?.bytes);
    expect((await call('POST', '/admin/backup', admin.token, JSON.stringify({ name: 'b1' }))).status).toBe(409);
    expect(await (await call('POST', '/admin/backup/b1/drop')).json()).toEqual({ dropped: true });
    expect((await call('GET', '/admin/backup/b1')).status).toBe(404);
  });

  it('refuses names that could leave the backups directory and files the snapshot does not list', async () => {
    expect((await call('POST', '/admin/backup', admin.token, JSON.stringify({ name: '../../etc' }))).status).toBe(400);
    expect((await call('POST', '/admin/backup', admin.token, JSON.stringify({}))).status).toBe(400);
    await call('POST', '/admin/backup', admin.token, JSON.stringify({ name: 'b2' }));
    expect((await call('GET', '/admin/backup/b2/..%2F..%2Fnode.json')).status).toBe(404);
    expect((await call('GET', '/admin/backup/b2/LOCK')).status).toBe(404);
  });

  it('needs an admin token for every backup route', async () => {
    expect((await call('POST', '/admin/backup', null, JSON.stringify({ name: 'x' }))).status).toBe(401);
    expect((await call('GET', '/admin/backup/b2', writer.token)).status).toBe(403);
    expect((await call('POST', '/admin/restore', writer.token, new Uint8Array([0, 0x90]))).status).toBe(403);
  });

  it('refuses a malformed restore chunk with the peer codec’s error', async () => {
    const res = await call('POST', '/admin/restore', admin.token, new Uint8Array([7, 1, 2, 3]));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid-message' } });
  });
});
