/** The outbound peer link against real sockets: fail fast while a peer is unreachable, deadlines on every call. */
import { createServer } from 'node:net';
import { PeerCodec, isProtocolError } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { PeerLink, type PeerStats } from '../src/cluster/peer-link.js';
import { systemClock } from '../src/cluster/system-clock.js';
import type { Clock } from '@ringkv/quorum';

function stats(): PeerStats {
  return { callsSent: 0, callsFailed: 0, callsTimedOut: 0, gossipSent: 0, gossipDropped: 0, connectsOk: 0, connectsFailed: 0 };
}

function link(address: string, s: PeerStats, clock: Clock = systemClock): PeerLink {
  return new PeerLink(address, { selfId: 'me', clusterName: 'ringkv', secret: undefined, codec: new PeerCodec(), clock, random: { next: () => 0.99 }, stats: s });
}

/** The system clock, counting the timers set through it. */
function countingClock(): Clock & { timersSet: number } {
  const clock = {
    timersSet: 0,
    now: () => systemClock.now(),
    setTimer: (ms: number, fn: () => void) => {
      clock.timersSet++;
      return systemClock.setTimer(ms, fn);
    },
    clearTimer: (handle: unknown) => systemClock.clearTimer(handle),
  };
  return clock;
}

/** A peer that accepts the hello and never answers a call. */
async function silentPeer(): Promise<{ wss: WebSocketServer; address: string; sockets: import('ws').WebSocket[] }> {
  const codec = new PeerCodec();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets: import('ws').WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      const m = codec.decode(data);
      if (m.ok && m.message.type === 'peer-hello') ws.send(codec.encode({ type: 'peer-hello-ok', nodeId: 'silent' }));
    });
  });
  return { wss, address: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, sockets };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return isProtocolError(error) ? error.code : String(error);
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('PeerLink', () => {
  it('fails calls to an unreachable peer with unavailable, then fails at once during the backoff without dialing again', async () => {
    const s = stats();
    const l = link(`ws://127.0.0.1:${await deadPort()}`, s);
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 2_000))).toBe('unavailable');
    expect(s.connectsFailed).toBe(1);
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 2_000))).toBe('unavailable');
    expect(s.connectsFailed).toBe(1);
    l.close();
  });

  it('dials again at once when told the peer is back (retryNow), instead of failing calls through the rest of its backoff', async () => {
    const s = stats();
    const l = link(`ws://127.0.0.1:${await deadPort()}`, s);
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 2_000))).toBe('unavailable');
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 2_000))).toBe('unavailable');
    expect(s.connectsFailed, 'the second call failed at once, in the backoff').toBe(1);
    l.retryNow();
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 2_000))).toBe('unavailable');
    expect(s.connectsFailed, 'the third call dialed').toBe(2);
    l.close();
  });

  it('times out a call the peer accepts but never answers, and fails in-flight calls as indeterminate when the connection drops', async () => {
    const { wss, address, sockets } = await silentPeer();
    const s = stats();
    const l = link(address, s);
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 100))).toBe('timeout');
    expect(s.callsTimedOut).toBe(1);
    const inFlight = l.call({ type: 'fetch', key: 'k' }, 5_000);
    await new Promise((r) => setTimeout(r, 50));
    for (const ws of sockets) ws.terminate();
    expect(await code(inFlight)).toBe('timeout');
    expect(s.callsTimedOut, 'failed by the connection loss, not by its own deadline').toBe(1);
    l.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  it('times out the calls of a link on one shared deadline sweep, never before a call’s own deadline', async () => {
    const peer = await silentPeer();
    const clock = countingClock();
    const s = stats();
    const l = link(peer.address, s, clock);
    const calls = Array.from({ length: 100 }, () => {
      const startedMs = clock.now();
      return l.call({ type: 'fetch', key: 'k' }, 150).then(
        () => ({ outcome: 'resolved', earlyMs: 0 }),
        (error: unknown) => ({ outcome: isProtocolError(error) ? error.code : String(error), earlyMs: startedMs + 150 - clock.now() }),
      );
    });
    const settled = await Promise.all(calls);
    expect(settled.every((c) => c.outcome === 'timeout')).toBe(true);
    expect(settled.filter((c) => c.earlyMs > 0)).toEqual([]);
    expect(s.callsTimedOut).toBe(100);
    // The connect timer plus at most two sweeps (deadlines of one turn may straddle a sweep's granularity), not 100 timers.
    expect(clock.timersSet).toBeLessThanOrEqual(3);
    l.close();
    await new Promise<void>((r) => peer.wss.close(() => r()));
  });

  it('re-arms the sweep for a call whose deadline is earlier than every pending one', async () => {
    const peer = await silentPeer();
    const s = stats();
    const l = link(peer.address, s);
    const long = l.call({ type: 'fetch', key: 'k' }, 10_000);
    expect(await code(l.call({ type: 'fetch', key: 'k' }, 100))).toBe('timeout');
    expect(s.callsTimedOut).toBe(1);
    l.close();
    expect(await code(long)).toBe('shutting-down');
    await new Promise<void>((r) => peer.wss.close(() => r()));
  });
});
