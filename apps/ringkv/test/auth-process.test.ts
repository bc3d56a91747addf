/**
 * Issue 16's proofs with real processes: a `ringkv start --tokens-file` node,
 * tokens made with `ringkv token add`, clients through the SDK and the CLI.
 *
 *   - a `read` token cannot write (`forbidden`), on the wire and in `ringkv put`;
 *   - an admin call with a `write` token is refused (403 `forbidden`), and
 *     `/status` and `/metrics` need a token of any role, `/health` none;
 *   - a revoked token stops working on a connection that was open: it works
 *     before, and after `ringkv token revoke` the node refuses it on that
 *     connection (`unauthorized`, close 1008), never a plain timeout;
 *   - an open connection that never says hello is closed at the hello deadline.
 *
 * No duration is asserted: waits poll with generous deadlines, and the
 * revocation bound itself (the tokens file's watch interval) is node-server's.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, isRingkvError, type RingkvClient } from '@ringkv/client-sdk';
import type { Message } from '@ringkv/protocol';
import { processRun, run, type NodeProcess } from './support/processes.js';
import { rawWebSocket } from './support/raw-ws.js';

const nodes = processRun('ringkv-auth-');
const clients: RingkvClient[] = [];
let node: NodeProcess;
let file: string;

interface Minted {
  readonly id: string;
  readonly token: string;
}

async function mint(role: string): Promise<Minted> {
  const r = await run(['token', 'add', '--role', role, '--file', file, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Minted;
}

async function client(token: string): Promise<RingkvClient> {
  const c = await connect(node.url, { authToken: token, routing: 'any', requestTimeoutMs: 10_000 });
  clients.push(c);
  return c;
}

/** The error a promise rejects with (a RingkvError), or fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<{ code: string; closeCode?: number }> {
  try {
    await p;
  } catch (error) {
    if (isRingkvError(error)) return error as unknown as { code: string; closeCode?: number };
    throw error;
  }
  throw new Error('expected a refusal, the call succeeded');
}

let reader: Minted;
let writer: Minted;
let admin: Minted;

beforeAll(async () => {
  file = join(nodes.dir(), 'tokens.json');
  reader = await mint('read');
  writer = await mint('write');
  admin = await mint('admin');
  node = await nodes.start('a1', ['--n', '1', '--r', '1', '--w', '1', '--tokens-file', file, '--cluster-secret', 'peer-secret']);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
});

describe('issue 16 proofs against a real node process', () => {
  it('a read token gets but cannot put or delete (forbidden), on the wire and in ringkv put', async () => {
    await (await client(writer.token)).put('shared', 'by-writer');
    const r = await client(reader.token);
    expect((await r.get('shared')).values).toEqual(['by-writer']);
    expect(await failure(r.put('shared', 'by-reader'))).toMatchObject({ code: 'forbidden' });
    expect(await failure(r.delete('shared'))).toMatchObject({ code: 'forbidden' });
    const cli = await run(['put', 'k', 'v', '--url', node.url, '--auth-token', reader.token]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/forbidden|may not put/);
    expect((await r.get('shared')).values).toEqual(['by-writer']);
  });

  it('an admin call with a write token is refused with 403 forbidden; /status and /metrics need any token, /health none', async () => {
    const cleanup = await run(['cleanup', '--url', node.url, '--token', writer.token]);
    expect(cleanup.code).toBe(1);
    expect(cleanup.stderr).toMatch(/\[forbidden\]/);
    const res = await fetch(`${node.http}/admin/cleanup`, { method: 'POST', headers: { authorization: `Bearer ${writer.token}` } });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
    expect((await run(['cleanup', '--url', node.url, '--token', admin.token])).code).toBe(0);
    expect((await fetch(`${node.http}/health`)).status).toBe(200);
    expect((await fetch(`${node.http}/status`)).status).toBe(401);
    expect((await fetch(`${node.http}/metrics`)).status).toBe(401);
    expect((await fetch(`${node.http}/metrics`, { headers: { authorization: `Bearer ${reader.token}` } })).status).toBe(200);
    const noToken = await run(['status', '--url', node.url]);
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringMatching(/^ringkv: status: the node needs a token/)]);
    const status = await run(['status', '--url', node.url, '--token', reader.token]);
    expect([status.code, status.stdout]).toEqual([0, expect.stringMatching(/^cluster as seen by a1/)]);
    const metrics = await (await fetch(`${node.http}/metrics`, { headers: { authorization: `Bearer ${admin.token}` } })).text();
    expect(metrics).toMatch(/ringkv_auth_refusals_total\{node="a1",reason="forbidden",endpoint="admin"\} [1-9]/);
    expect(metrics).toMatch(/ringkv_auth_refusals_total\{node="a1",reason="unauthorized",endpoint="status"\} [1-9]/);
  });

  it('a revoked token stops working on a connection that stayed open: the node says unauthorized on it and closes it with 1008', async () => {
    const doomed = await mint('write');
    await untilAccepted(doomed.token); // the running node reads the new token within its watch interval
    const ws = await rawWebSocket(node.http);
    ws.hello(doomed.token);
    await poll('hello-ok', () => ws.messages.some((m) => m.type === 'hello-ok'));
    let id = 0;
    const answers = (): Message[] => ws.messages.filter((m) => 'id' in m && typeof m.id === 'number');
    ws.send({ type: 'get', id: ++id, key: 'revoke-me' });
    await poll('the first answer', () => answers().length === 1);
    expect(answers()[0]).toMatchObject({ type: 'get-ok' }); // works before
    const revoked = await run(['token', 'revoke', doomed.id, '--file', file]);
    expect(revoked.code, revoked.stderr).toBe(0);
    // Keep asking on the same connection until the node refuses it (generous deadline: the watch interval bounds it, node-server's tokens tests).
    await poll('the refusal of the revoked token', async () => {
      if (ws.closeCode === undefined && !ws.socket.destroyed) ws.send({ type: 'get', id: ++id, key: 'revoke-me' });
      await new Promise((r) => setTimeout(r, 50));
      return ws.closeCode !== undefined;
    });
    const refusal = ws.messages.find((m) => m.type === 'error' && !('id' in m && m.id !== undefined));
    expect(refusal).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(ws.closeCode).toBe(1008);
    // Every request before the refusal was answered get-ok: the connection worked up to the revocation.
    expect(answers().filter((m) => m.type !== 'get-ok')).toEqual([]);
    ws.socket.destroy(); // a raw client that never answers the close: do not wait for the node's close timeout
    expect(await failure(connect(node.url, { authToken: doomed.token, routing: 'any' }))).toMatchObject({ code: 'unauthorized' });
    expect((await (await client(writer.token)).get('revoke-me')).found).toBe(false); // the others keep working
  }, 90_000);

  it('closes an open WebSocket that never says hello at the hello deadline, with hello-required', async () => {
    const ws = await rawWebSocket(node.http);
    await Promise.race([ws.ended, new Promise((r) => setTimeout(r, 60_000))]); // the default deadline is 10 s; this only bounds the test
    ws.socket.destroy();
    expect(ws.closeCode, 'the silent connection stayed open').toBe(1002); // the protocol's close code of hello-required (protocol errors.ts)
    expect(ws.messages).toEqual([expect.objectContaining({ type: 'error', code: 'hello-required' })]);
  }, 90_000);
});

/** Polls `check` every 20 ms until true; fails naming `what` after a generous 30 s (a bound, not an assertion). */
async function poll(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client with `token`, once the node has read the tokens file that holds it (bounded). */
async function untilAccepted(token: string): Promise<RingkvClient> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await client(token);
    } catch (error) {
      if (!isRingkvError(error) || error.code !== 'unauthorized' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
