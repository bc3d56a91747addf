/**
 * Raw TCP clients (issue 12) on the node's one port, beside HTTP and
 * WebSocket: the same requests and replies, and the same backpressure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, firstValueText } from './support/client.js';
import { connectTcp } from './support/tcp-client.js';
import { removeTempDirs, startTestNode } from './support/node.js';

afterAll(() => removeTempDirs());

async function status(httpUrl: string): Promise<{ connections: Record<string, number> }> {
  return (await (await fetch(`${httpUrl}/status`)).json()) as { connections: Record<string, number> };
}

describe('raw TCP clients', () => {
  it('put, get, batch and ring over TCP give the replies they give over WebSocket, while HTTP and WebSocket share the port', async () => {
    const node = await startTestNode();
    expect(node.tcpUrl).toBe(node.url.replace('ws://', 'tcp://'));
    const tcp = await connectTcp(node.tcpUrl);
    expect(tcp.preamble).toBe('ok');
    const ws = await connect(node.url);
    expect(await tcp.request({ type: 'put', key: 'k', value: new TextEncoder().encode('over tcp') })).toMatchObject({ type: 'put-ok' });
    expect(firstValueText(await ws.request({ type: 'get', key: 'k' }))).toBe('over tcp');
    expect(await ws.request({ type: 'put', key: 'w', value: new TextEncoder().encode('over ws') })).toMatchObject({ type: 'put-ok' });
    expect(firstValueText(await tcp.request({ type: 'get', key: 'w' }))).toBe('over ws');
    expect(await tcp.request({ type: 'batch', ops: [{ type: 'get', key: 'k' }, { type: 'get', key: 'nothing' }] })).toMatchObject({
      type: 'batch-ok',
      results: [{ type: 'get-ok', found: true }, { type: 'get-ok', found: false }],
    });
    expect(await tcp.request({ type: 'ring' })).toMatchObject({ type: 'ring-ok', members: [{ id: expect.any(String) }] });
    expect((await fetch(`${node.httpUrl}/health`)).status).toBe(200);
    const s = await status(node.httpUrl);
    expect(s.connections['open']).toBe(2);
    await tcp.close();
    await ws.close();
    await node.stop();
  });

  it('answers 200 pipelined requests written at once, each with its own id, fewer writes than replies', async () => {
    const node = await startTestNode();
    const tcp = await connectTcp(node.tcpUrl);
    await tcp.request({ type: 'put', key: 'p', value: new Uint8Array([1]) });
    const before = tcp.chunks;
    const replies = await tcp.requestsInOneWrite(Array.from({ length: 200 }, () => ({ type: 'get', key: 'p' })));
    expect(replies.every((r) => r.type === 'get-ok')).toBe(true);
    expect(new Set(replies.map((r) => (r as { id: number }).id)).size).toBe(200);
    // Replies of one turn leave in one write: far fewer chunks arrive than replies.
    expect(tcp.chunks - before).toBeLessThan(200);
    await tcp.close();
    await node.stop();
  });

  it('a TCP client that stops reading is paused, then dropped after slowClientTimeoutMs, while others are served', async () => {
    const node = await startTestNode({ sendBufferBytesHigh: 16 * 1024, sendBufferBytesMax: 256 * 1024 * 1024, slowClientTimeoutMs: 200, valueBytesMax: 64 * 1024 });
    const c = await connectTcp(node.tcpUrl);
    await c.request({ type: 'put', key: 'v', value: new Uint8Array(16 * 1024) });
    c.socket.pause();
    for (let i = 0; i < 1500; i++) void c.request({ type: 'get', key: 'v' });
    let s = await status(node.httpUrl);
    for (let i = 0; i < 300 && s.connections['droppedSlow'] === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await status(node.httpUrl);
    }
    expect(s.connections['droppedSlow']).toBe(1);
    expect(s.connections['peakSendBufferBytes']).toBeGreaterThan(16 * 1024);
    c.socket.resume();
    await c.closed;
    const other = await connectTcp(node.tcpUrl);
    expect(await other.request({ type: 'get', key: 'v' })).toMatchObject({ type: 'get-ok', found: true });
    await other.close();
    await node.stop();
  });
});
