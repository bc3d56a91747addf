/**
 * The admin endpoints' auth and errors: with a token every POST and the plan
 * need the bearer; bad bodies and queries are 400; wrong states are 409;
 * unknown members 404; a leave plan names the nodes that gain.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { put } from '../support/cluster.js';
import { removeTempDirs, tempDir } from '../support/node.js';
import { admin, client, closeAll, start, startCluster } from './support.js';

afterEach(closeAll);
afterAll(removeTempDirs);

describe('admin auth', () => {
  it('refuses every POST and the plan without the bearer token (401), and serves them with it', async () => {
    const token = 'sekret-token';
    const node = await start('solo', tempDir(), [], { authToken: token, clusterSecret: 'sekret-peers' });
    const calls: [string, 'GET' | 'POST', unknown?][] = [
      ['/admin/leave', 'POST'],
      ['/admin/remove', 'POST', { id: 'x' }],
      ['/admin/cleanup', 'POST'],
      ['/admin/plan?op=join&id=n2', 'GET'],
      ['/repair', 'POST'],
    ];
    for (const [path, method, body] of calls) {
      const none = await admin(node.httpUrl, method, path, body);
      expect(none.status, path).toBe(401);
      expect(none.body.error.code, path).toBe('unauthorized');
      expect((await admin(node.httpUrl, method, path, body, 'wrong-token')).status, path).toBe(401);
      expect((await admin(node.httpUrl, method, path, body, token)).status, path).not.toBe(401);
    }
    // /health stays open; /status needs a token too (any role: http-gate.test.ts).
    expect((await fetch(`${node.httpUrl}/health`)).status).toBe(200);
    expect((await fetch(`${node.httpUrl}/status`)).status).toBe(401);
  });
});

describe('admin errors', () => {
  it('answers a lone node: leave 409 alone, remove 404, plan of a join counts all its keys, bad requests 400, unknown routes 404', async () => {
    // N = 1 explicitly: a lone node's default N is 3, under which a joiner would receive every key.
    const node = await start('solo', tempDir(), [], { n: 1, r: 1, w: 1 });
    const c = await client(node.url);
    for (let i = 0; i < 20; i++) expect((await put(c, `k${i}`, 'v', 1)).type).toBe('put-ok');
    expect(await admin(node.httpUrl, 'POST', '/admin/leave')).toMatchObject({ status: 409, body: { error: { code: 'alone' } } });
    expect(await admin(node.httpUrl, 'POST', '/admin/remove', { id: 'ghost' })).toMatchObject({ status: 404, body: { error: { code: 'unknown-member' } } });
    expect(await admin(node.httpUrl, 'POST', '/admin/remove', '{not json')).toMatchObject({ status: 400, body: { error: { code: 'bad-request' } } });
    expect(await admin(node.httpUrl, 'POST', '/admin/remove', { id: 'x', force: 'yes' })).toMatchObject({ status: 400 });
    expect(await admin(node.httpUrl, 'POST', '/admin/leave', '[1,2]')).toMatchObject({ status: 400 });
    expect(await admin(node.httpUrl, 'POST', '/admin/remove', 'x'.repeat(70 * 1024))).toMatchObject({ status: 400 });
    for (const q of ['op=grow&id=x', 'op=join', 'op=join&id=x&vnodes=0', 'op=join&id=x&weight=-1', 'op=leave&id=solo&vnodes=8', 'op=leave&id=solo&dc=dc1', `op=join&id=x&machine=${'m'.repeat(257)}`]) {
      expect((await admin(node.httpUrl, 'GET', `/admin/plan?${q}`)).status, q).toBe(400);
    }
    expect(await admin(node.httpUrl, 'GET', '/admin/plan?op=join&id=solo')).toMatchObject({ status: 409, body: { error: { code: 'already-member' } } });
    expect(await admin(node.httpUrl, 'GET', '/admin/plan?op=leave&id=ghost')).toMatchObject({ status: 404, body: { error: { code: 'unknown-member' } } });
    expect(await admin(node.httpUrl, 'GET', '/admin/nothing')).toMatchObject({ status: 404, body: { error: { code: 'no-route' } } });
    expect(await admin(node.httpUrl, 'GET', '/admin/leave')).toMatchObject({ status: 405 });
    const plan = await admin(node.httpUrl, 'GET', '/admin/plan?op=join&id=n2');
    expect(plan.status).toBe(200);
    // N = 1: the joiner becomes the only replica of its share, every key of that share moves.
    expect(plan.body.totals.keys).toBeGreaterThan(0);
    expect(plan.body.totals.keys).toBeLessThan(20);
    expect(plan.body.moves.every((m: { from: string[]; to: string }) => m.to === 'n2' && m.from.join() === 'solo')).toBe(true);
    expect(await admin(node.httpUrl, 'POST', '/admin/cleanup')).toEqual({ status: 200, body: { rangesDropped: 0, keysDropped: 0, bytesPushed: 0 } });
    const status = (await (await fetch(`${node.httpUrl}/status`)).json()) as { cluster: { topology: unknown } };
    expect(status.cluster.topology).toEqual({ self: 'normal', stream: null, cleanup: { runs: 1, rangesDropped: 0, keysDropped: 0, bytesPushed: 0, pending: 0 } });
  });

  it('plans a leave as moves to the nodes that gain its ranges, one per set of sources, counted by its owners', async () => {
    const { nodes } = await startCluster(['a', 'b', 'c'], { n: 2, r: 1, w: 2 });
    const c = await client(nodes[0]!.url);
    for (let i = 0; i < 60; i++) expect((await put(c, `k${i}`, 'value', 2)).type).toBe('put-ok');
    const plan = await admin(nodes[0]!.httpUrl, 'GET', '/admin/plan?op=leave&id=c');
    expect(plan.status).toBe(200);
    const targets = new Set(plan.body.moves.map((m: { to: string }) => m.to));
    expect([...targets].every((t) => t === 'a' || t === 'b')).toBe(true);
    expect(plan.body.moves.every((m: { from: string[] }) => m.from.includes('c'))).toBe(true);
    // One row per (set of sources, receiver): N = 2 gives preference lists [a,c] and [c,a], one move.
    const rows = plan.body.moves.map((m: { from: string[]; to: string }) => `${m.from.join(',')}>${m.to}`);
    expect(plan.body.moves.map((m: { from: string[] }) => m.from.join(','))).toEqual(plan.body.moves.map((m: { from: string[] }) => [...m.from].sort().join(',')));
    expect(new Set(rows).size, rows.join(' ')).toBe(rows.length);
    // c holds 2/3 of the 60 keys, and each of them gains one new replica.
    expect(plan.body.totals.keys).toBeGreaterThan(20);
    expect(plan.body.totals.keys).toBeLessThan(60);
    // The share of the 60 distinct keys (120 copies at N = 2), not of the copies.
    expect(plan.body.totals.fractionOfKeys).toBeCloseTo(plan.body.totals.keys / 60, 6);
  });
});
