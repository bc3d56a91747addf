/**
 * The raw TCP transport (issue 12) against a real node, and its failures:
 * the same calls, timeouts, reconnects and typed errors as over WebSocket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNode, type NodeOptions, type RingkvNode } from '@ringkv/node-server';
import { LengthPrefixedReader, WireCodec, joinLengthPrefixed, tcpPreamble } from '@ringkv/protocol';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import * as browserEntry from '../src/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-tcp-'));
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let nodes = 0;
async function node(options: Partial<NodeOptions> = {}): Promise<RingkvNode> {
  const n = await startNode({ id: `tcp${nodes}`, port: 0, dataDir: join(dir, `n${nodes++}`), durability: 'none', logLevel: 'silent', ...options });
  cleanup.push(() => n.stop());
  return n;
}

function track(c: RingkvClient): RingkvClient {
  cleanup.push(() => c.close());
  return c;
}

/** A TCP server that answers the preamble and hello like a node, then never answers a request. */
async function silentTcpNode(): Promise<{ url: string; server: Server }> {
  const codec = new WireCodec();
  const server = createNetServer((socket: Socket) => {
    const reader = new LengthPrefixedReader(1 << 20);
    let head = true;
    socket.on('data', (chunk: Buffer) => {
      const rest = head ? chunk.subarray(tcpPreamble.length) : chunk;
      if (head) socket.write(tcpPreamble);
      head = false;
      reader.push(rest, (frame) => {
        const r = codec.decode(frame);
        if (r.ok && r.message.type === 'hello') {
          const l = codec.limits;
          const limits = { frameBytesMax: l.frameBytesMax, keyBytesMax: l.keyBytesMax, valueBytesMax: l.valueBytesMax, contextBytesMax: l.contextBytesMax, batchOpsMax: l.batchOpsMax, inFlightMax: 64 };
          socket.write(joinLengthPrefixed([codec.encode({ type: 'hello-ok', nodeId: 'silent', protocolVersion: 1, limits })]));
        }
        return true;
      });
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `tcp://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('connect over raw TCP', () => {
  it('puts, gets, updates, deletes and batches over a tcp:// seed, and the node sees a TCP client', async () => {
    const n = await node();
    const db = track(await connect(n.tcpUrl));
    expect(db.url).toBe(n.tcpUrl);
    await db.put('a', { hello: 'tcp' });
    expect((await db.get('a')).values[0]).toEqual({ hello: 'tcp' });
    await db.update('counter', (siblings: number[]) => (siblings[0] ?? 0) + 1);
    expect((await db.get('counter')).values[0]).toBe(1);
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => db.put(`k${i}`, i)));
    expect(many).toHaveLength(100);
    const read = await Promise.all(Array.from({ length: 100 }, (_, i) => db.get(`k${i}`)));
    expect(read.map((r) => r.values[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await db.delete('a', { context: (await db.get('a')).context });
    expect((await db.get('a')).found).toBe(false);
    const status = (await (await fetch(`${n.httpUrl}/status`)).json()) as { connections: { open: number } };
    expect(status.connections.open).toBeGreaterThanOrEqual(1);
  });

  it("dials a ws:// seed over TCP with transport 'tcp' (the node serves both on one port)", async () => {
    const n = await node();
    const db = track(await connect(n.url, { transport: 'tcp', routing: 'any' }));
    await db.put('k', 'v');
    expect((await db.get('k')).values[0]).toBe('v');
  });

  it('reconnects over TCP after the node restarts on the same port', async () => {
    const first = await node({ id: 'restart', dataDir: join(dir, 'restart') });
    const port = Number(new URL(first.url).port);
    const db = track(await connect(first.tcpUrl, { reconnectBaseMs: 5, reconnectCapMs: 20, routing: 'any' }));
    await db.put('k', 'before');
    await first.stop();
    await expect(db.get('k', { timeoutMs: 200 })).rejects.toMatchObject({ name: 'RingkvError' });
    const second = await node({ id: 'restart', dataDir: join(dir, 'restart'), port });
    let value: unknown;
    for (let i = 0; i < 200 && value === undefined; i++) {
      value = await db.get('k', { timeoutMs: 500 }).then((r) => r.values[0], () => undefined);
      if (value === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(value).toBe('before');
    expect(second.id).toBe('restart');
  });

  it('times a request out over TCP as over WebSocket when the node never answers', async () => {
    const { url } = await silentTcpNode();
    const db = track(await connect(url, { routing: 'any', batching: false }));
    await expect(db.get('k', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('refuses a wrong token with unauthorized over TCP', async () => {
    const n = await node({ authToken: 'tok', clusterSecret: 'sec' });
    await expect(connect(n.tcpUrl, { authToken: 'wrong', routing: 'any' })).rejects.toMatchObject({ code: 'unauthorized' });
    const db = track(await connect(n.tcpUrl, { authToken: 'tok', routing: 'any' }));
    await db.put('k', 1);
  });

  it('rejects with not-connected, saying so, when a tcp:// seed is not a ringkv node', async () => {
    const http = createHttpServer((_req, res) => res.end('hi'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    const url = `tcp://127.0.0.1:${(http.address() as { port: number }).port}`;
    await expect(connect(url, { connectTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'not-connected', message: expect.stringContaining('preamble') });
  });

  it('refuses contradictory or unknown transport options with invalid-argument', async () => {
    await expect(connect('tcp://127.0.0.1:1', { transport: 'websocket' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(connect('tls://127.0.0.1:1', { transport: 'websocket' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(connect('ws://127.0.0.1:1', { transport: 'udp' as never })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(connect('tcp://127.0.0.1', {})).rejects.toMatchObject({ code: 'not-connected', message: expect.stringContaining('needs a port') });
  });

  it('the browser entry refuses TCP with a typed error, before opening anything', async () => {
    await expect(browserEntry.connect('tcp://127.0.0.1:1')).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('WebSocket only') });
    await expect(browserEntry.connect('ws://127.0.0.1:1', { transport: 'tcp' })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
