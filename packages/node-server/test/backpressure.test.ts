import { afterAll, describe, expect, it } from 'vitest';
import { connect, open } from './support/client.js';
import { removeTempDirs, startTestNode } from './support/node.js';

afterAll(() => removeTempDirs());

async function status(httpUrl: string): Promise<{ connections: Record<string, number> }> {
  return (await (await fetch(`${httpUrl}/status`)).json()) as { connections: Record<string, number> };
}

describe('backpressure', () => {
  it('a client that stops reading is paused, its reply queue stays bounded, then it is dropped while others are served', async () => {
    const high = 64 * 1024;
    const node = await startTestNode({ sendBufferBytesHigh: high, sendBufferBytesMax: 1024 * 1024, slowClientTimeoutMs: 300, valueBytesMax: 64 * 1024 });
    const writer = await connect(node.url);
    expect(await writer.request({ type: 'put', key: 'big', value: new Uint8Array(32 * 1024).fill(7) })).toMatchObject({ type: 'put-ok' });

    const slow = await connect(node.url);
    slow.ws.pause(); // stop reading replies: the TCP window fills, then the node's queue grows
    for (let i = 0; i < 2000; i++) void slow.request({ type: 'get', key: 'big' });

    let s = await status(node.httpUrl);
    for (let i = 0; i < 200 && s.connections['droppedSlow'] === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await status(node.httpUrl);
    }
    slow.ws.resume(); // the client reads again and finds the connection gone
    expect((await slow.closed).code).toBe(1006);
    const frameBytesMax = 4 * 1024 * 1024;
    // At most the hard bound (≥ high mark + one frame) plus the one reply that crossed it.
    expect(s.connections['peakSendBufferBytes']).toBeLessThanOrEqual(high + frameBytesMax + 64 * 1024 + 33 * 1024);
    expect(s.connections['peakSendBufferBytes']).toBeGreaterThan(high);
    expect(s.connections['droppedSlow']).toBe(1);

    expect(await writer.request({ type: 'get', key: 'big' })).toMatchObject({ type: 'get-ok', found: true });
    await writer.close();
    await node.stop();
  });

  it('a client paused longer than slowClientTimeoutMs is terminated even below the hard bound', async () => {
    const node = await startTestNode({ sendBufferBytesHigh: 16 * 1024, sendBufferBytesMax: 256 * 1024 * 1024, slowClientTimeoutMs: 200, valueBytesMax: 64 * 1024 });
    const c = await connect(node.url);
    await c.request({ type: 'put', key: 'v', value: new Uint8Array(16 * 1024) });
    c.ws.pause();
    for (let i = 0; i < 1500; i++) void c.request({ type: 'get', key: 'v' });
    let s = await status(node.httpUrl);
    for (let i = 0; i < 300 && s.connections['droppedSlow'] === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await status(node.httpUrl);
    }
    expect(s.connections['droppedSlow']).toBe(1);
    expect(s.connections['peakSendBufferBytes']).toBeLessThan(256 * 1024 * 1024);
    c.ws.resume();
    await c.closed;
    await node.stop();
  });

  it('a paused client that catches up is resumed and every request is answered', async () => {
    const node = await startTestNode({ sendBufferBytesHigh: 16 * 1024, slowClientTimeoutMs: 60_000, valueBytesMax: 64 * 1024 });
    const c = await connect(node.url);
    await c.request({ type: 'put', key: 'v', value: new Uint8Array(16 * 1024) });
    c.ws.pause();
    const replies = Array.from({ length: 600 }, () => c.request({ type: 'get', key: 'v' }));
    // Let the node's queue build up and pause the connection, then read again.
    for (let i = 0; i < 100; i++) {
      const s = await status(node.httpUrl);
      if ((s.connections['paused'] ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await status(node.httpUrl)).connections['paused']).toBe(1);
    c.ws.resume();
    const all = await Promise.all(replies);
    expect(all.every((r) => r.type === 'get-ok')).toBe(true);
    await c.close();
    await node.stop();
  });
});

describe('connection flood', () => {
  it('1,000 connections: those past connectionsMax are refused with 503, and the node still serves another client', async () => {
    const node = await startTestNode({ connectionsMax: 200 });
    const attempts = await Promise.allSettled(Array.from({ length: 1000 }, () => open(node.url)));
    const opened = attempts.filter((a) => a.status === 'fulfilled').map((a) => (a as PromiseFulfilledResult<Awaited<ReturnType<typeof open>>>).value);
    const refused = attempts.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason as { status?: number });
    expect(opened.length).toBe(200);
    expect(refused.length).toBe(800);
    expect(refused.every((r) => r.status === 503)).toBe(true);

    await opened[0]!.close();
    for (let i = 0; i < 100 && (await status(node.httpUrl)).connections['open'] !== 199; i++) await new Promise((r) => setTimeout(r, 10));
    const fresh = await connect(node.url);
    expect(await fresh.request({ type: 'get', key: 'x' })).toMatchObject({ type: 'get-ok' });
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ringkv_connections_refused_total\{node="n1"\} 800/);
    await fresh.close();
    await Promise.all(opened.slice(1).map((c) => c.close()));
    await node.stop();
  });
});
