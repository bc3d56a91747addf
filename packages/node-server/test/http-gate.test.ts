/**
 * Token-gated /status and /metrics (issue 16): on a node with tokens they
 * need a token of any role, or `metricsPublic`; /health stays open; every
 * refusal is a typed JSON error, counted in ringkv_auth_refusals_total and
 * logged without the presented string; the dashboard's sampler of another
 * member passes with the cluster secret.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSecretHeader, formatTokensFile, mintToken, type RingkvNode } from '../src/index.js';
import { nodeTracker, removeTempDirs, tempDir } from './support/node.js';

const now = new Date('2026-12-07T00:00:00Z');
const reader = mintToken({ role: 'read' }, now);
const writer = mintToken({ role: 'write' }, now);
const admin = mintToken({ role: 'admin' }, now);
const secret = 'peer-secret';
const nodes = nodeTracker();

afterAll(async () => {
  await nodes.stopAll();
  removeTempDirs();
});

/** A node with the three tokens; its log lines are kept in `lines`. */
async function gatedNode(extra: { metricsPublic?: boolean } = {}): Promise<{ node: RingkvNode; lines: string[] }> {
  const file = join(tempDir(), 'tokens.json');
  writeFileSync(file, formatTokensFile([reader.entry, writer.entry, admin.entry]));
  const lines: string[] = [];
  const logDestination = { write: (line: string): void => void lines.push(line) };
  const node = await nodes.start({ tokensFile: file, clusterSecret: secret, logLevel: 'warn', logDestination, ...extra });
  return { node, lines };
}

function get(node: RingkvNode, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${node.httpUrl}${path}`, { headers });
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('/status and /metrics behind tokens', () => {
  it('answer 401 unauthorized without a token or with a wrong one, and serve any role', async () => {
    const { node, lines } = await gatedNode();
    for (const path of ['/status', '/metrics']) {
      const none = await get(node, path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
      const wrong = await get(node, path, bearer(`${reader.token.slice(0, -4)}AAAA`));
      expect(wrong.status, path).toBe(401);
      for (const token of [reader.token, writer.token, admin.token]) expect((await get(node, path, bearer(token))).status, path).toBe(200);
    }
    expect((await get(node, '/health')).status).toBe(200);
    const text = await (await get(node, '/metrics', bearer(reader.token))).text();
    expect(text).toMatch(/ringkv_auth_refusals_total\{node="[^"]+",reason="unauthorized",endpoint="status"\} 2/);
    expect(text).toMatch(/ringkv_auth_refusals_total\{node="[^"]+",reason="unauthorized",endpoint="metrics"\} 2/);
    // Logged, but never the presented string.
    const log = lines.join('');
    expect(log).toMatch(/refused an HTTP request to status: unauthorized/);
    expect(log).not.toContain(reader.token.slice(0, -4));
  });

  it('refuses an admin endpoint to a read or write token with 403 forbidden, counted by endpoint, logging the token id only', async () => {
    const { node, lines } = await gatedNode();
    for (const token of [reader.token, writer.token]) {
      const res = await fetch(`${node.httpUrl}/admin/cleanup`, { method: 'POST', headers: bearer(token) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    const text = await (await get(node, '/metrics', bearer(admin.token))).text();
    expect(text).toMatch(/ringkv_auth_refusals_total\{node="[^"]+",reason="forbidden",endpoint="admin"\} 2/);
    const log = lines.join('');
    expect(log).toContain(writer.entry.id);
    expect(log).not.toContain(writer.token);
  });

  it('serves both without a token with metricsPublic, and keeps the admin endpoints closed', async () => {
    const { node } = await gatedNode({ metricsPublic: true });
    expect((await get(node, '/status')).status).toBe(200);
    expect((await get(node, '/metrics')).status).toBe(200);
    expect((await fetch(`${node.httpUrl}/admin/cleanup`, { method: 'POST' })).status).toBe(401);
  });

  it('lets the cluster secret read /status, /metrics and /dashboard/node (the sampler of another member), but not the admin endpoints', async () => {
    const { node } = await gatedNode();
    for (const path of ['/status', '/metrics', '/dashboard/node']) {
      expect((await get(node, path, { [clusterSecretHeader]: secret })).status, path).toBe(200);
      expect((await get(node, path, { [clusterSecretHeader]: 'not-the-secret' })).status, path).toBe(401);
    }
    expect((await fetch(`${node.httpUrl}/admin/cleanup`, { method: 'POST', headers: { [clusterSecretHeader]: secret } })).status).toBe(401);
  });

  it('serves /status and /metrics without a token on a node without tokens', async () => {
    const node = await nodes.start();
    expect((await get(node, '/status')).status).toBe(200);
    expect((await get(node, '/metrics')).status).toBe(200);
  });
});
