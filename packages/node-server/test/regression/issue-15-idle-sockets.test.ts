/**
 * Issue 15, items 2 and 3: idle TCP sockets and `/peer` upgrades that never
 * say hello filled the node's connection caps and locked out `/health`, new
 * clients and real peers. Real sockets on 127.0.0.1 (where the attackers,
 * the clients and the peers all come from), against small configured bounds.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../../src/index.js';
import { connect } from '../support/client.js';
import { dialPeer, peerHello } from '../support/peer.js';
import { nodeTracker, removeTempDirs } from '../support/node.js';
import { maskedBinaryFrame, openCount, openMany, openRaw, portOf, upgradeRequest, type RawSocket } from '../support/raw-socket.js';

const nodes = nodeTracker();
const node = nodes.start;
const held: RawSocket[] = [];
afterEach(async () => {
  for (const s of held.splice(0)) s.socket.destroy();
  await nodes.stopAll();
});
afterAll(removeTempDirs);

async function healthStatus(n: RingkvNode): Promise<number> {
  return (await fetch(`${n.httpUrl}/health`)).status;
}

describe('issue 15: idle sockets', () => {
  it('destroys a socket that sends nothing, or half a request, within headersTimeoutMs', async () => {
    const n = await node({ headersTimeoutMs: 100 });
    const idle = await openRaw(portOf(n.url));
    const half = await openRaw(portOf(n.url), 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const halfUpgrade = await openRaw(portOf(n.url), 'GET /peer HTTP/1.1\r\nUpgrade: websocket\r\n');
    held.push(idle, half, halfUpgrade);
    await Promise.all([idle.closed, half.closed, halfUpgrade.closed]);
    expect(await healthStatus(n)).toBe(200);
  });

  it('keeps /health, a new client and a peer working while idle sockets exceed every connection bound', async () => {
    // Before the fix the node accepted connectionsMax + 64 = 68 sockets and dropped the rest at accept.
    const n = await node({ connectionsMax: 4, anonymousSocketsMax: 16, headersTimeoutMs: 60_000 });
    held.push(...(await openMany(100, () => openRaw(portOf(n.url)))));
    expect(await openCount(held, 16)).toBeLessThanOrEqual(16);
    expect(await healthStatus(n)).toBe(200);
    const status = (await (await fetch(`${n.httpUrl}/status`)).json()) as { connections: { sockets: { evicted: number; anonymous: number } } };
    expect(status.connections.sockets.evicted).toBeGreaterThanOrEqual(100 - 16);
    const client = await connect(n.url);
    expect(await client.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
    const peer = await dialPeer(n.url);
    peer.send(peerHello());
    expect(await peer.next()).toMatchObject({ type: 'peer-hello-ok' });
    // Once identified, they are not displaced by more idle sockets.
    held.push(...(await openMany(40, () => openRaw(portOf(n.url)))));
    expect(await client.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
    peer.send({ type: 'fetch', id: 1, key: 'k', timeoutMs: 1000 });
    expect(await peer.next()).toMatchObject({ type: 'fetch-ok', id: 1 });
    await client.close();
    peer.ws.close();
  });

  it('refuses a socket past connectionsPerAddressMax when its address holds only identified connections, and displaces its idle ones first', async () => {
    const n = await node({ connectionsPerAddressMax: 3, headersTimeoutMs: 60_000 });
    const idle = await openMany(3, () => openRaw(portOf(n.url)));
    held.push(...idle);
    // Each client displaces the oldest idle socket of its address rather than being refused.
    const clients = [await connect(n.url), await connect(n.url), await connect(n.url)];
    await Promise.all(idle.map((s) => s.closed));
    const fourth = await openRaw(portOf(n.url));
    held.push(fourth);
    await fourth.closed;
    for (const c of clients) expect(await c.request({ type: 'get', key: 'k' })).toMatchObject({ type: 'get-ok' });
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe('issue 15: unauthenticated /peer sockets', () => {
  it('lets a real peer in while more upgrades than peerConnectionsMax never say hello', async () => {
    // 1,030 > peerConnectionsMax (1,024): before the fix they held every peer slot and the real peer got HTTP 503.
    const n = await node({ anonymousSocketsMax: 64 });
    held.push(...(await openMany(1_030, () => openRaw(portOf(n.url), upgradeRequest('/peer'), '\r\n\r\n'))));
    expect(await openCount(held, 64)).toBeLessThanOrEqual(64);
    const peer = await dialPeer(n.url);
    peer.send(peerHello());
    expect(await peer.next()).toMatchObject({ type: 'peer-hello-ok' });
    peer.ws.close();
  });

  it('drops a refused unauthenticated peer socket without waiting for its close frame', async () => {
    const n = await node({});
    // Never answers the close frame: before the fix ws held the socket for its 30 s close timeout.
    const s = await openRaw(portOf(n.url), upgradeRequest('/peer'), '\r\n\r\n');
    held.push(s);
    s.socket.write(maskedBinaryFrame(new Uint8Array([0xc1])));
    await s.closed;
  });
});
