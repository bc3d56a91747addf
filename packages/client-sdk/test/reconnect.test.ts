import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { backoffDelayMs, connect, systemClock, type Clock, type RingkvClient } from '@ringkv/client-sdk';
import { startFakeServer, type FakeServer } from './fake-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

/** The system clock, recording every timer delay asked for. */
function recordingClock(): { clock: Clock; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    clock: {
      now: systemClock.now,
      clearTimer: systemClock.clearTimer,
      setTimer: (cb, ms) => {
        delays.push(ms);
        return systemClock.setTimer(cb, ms);
      },
    },
  };
}

describe('reconnect', () => {
  it('backs off exponentially with jitter, capped, until the node is back', async () => {
    const first = await startFakeServer({ nodeId: 'first' });
    const port = Number(new URL(first.url).port);
    const { clock, delays } = recordingClock();
    const draws: number[] = [];
    const random = (): number => {
      draws.push(0.25);
      return 0.25;
    };
    const base = 2;
    const cap = 16;
    const other = new Set([60_000, 1_000]); // connect timeouts and close waits, not backoff
    const c: RingkvClient = await connect(first.url, { clock, random, reconnectBaseMs: base, reconnectCapMs: cap, connectTimeoutMs: 60_000, routing: 'any' });
    cleanup.push(() => c.close());
    await first.close();
    await until(() => draws.length >= 7);
    const backoffs = delays.filter((d) => !other.has(d));
    const expected = Array.from({ length: 7 }, (_, round) => backoffDelayMs(round, base, cap, () => 0.25));
    expect(backoffs.slice(0, 7)).toEqual(expected);
    expect(Math.max(...backoffs)).toBeLessThanOrEqual(cap);

    const again: FakeServer = await startFakeServer({ nodeId: 'again', port });
    cleanup.push(() => again.close());
    await until(() => c.nodeId === 'again');
    await c.put('k', 'back');
    expect((await c.get('k')).values).toEqual(['back']);
  });

  it('stops reconnecting once closed', async () => {
    const server = await startFakeServer();
    const c = await connect(server.url, { reconnectBaseMs: 1, reconnectCapMs: 2 });
    await server.close();
    await until(() => c.url === undefined);
    await c.close();
    const hellosAfterClose = server.hellos;
    // A listener on the same port would see any further attempt.
    const port = Number(new URL(server.url).port);
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    let connections = 0;
    wss.on('connection', () => connections++);
    await new Promise((r) => setTimeout(r, 30));
    await new Promise<void>((r) => wss.close(() => r()));
    expect(connections).toBe(0);
    expect(server.hellos).toBe(hellosAfterClose);
  });
});

describe('close during a connection attempt', () => {
  it('abandons a connect that hangs (TCP accepted, no hello-ok) instead of waiting for its timeout', async () => {
    const good = await startFakeServer();
    cleanup.push(() => good.close());
    const mute = await startFakeServer({ onHello: () => {} });
    cleanup.push(() => mute.close());
    const c = await connect([good.url, mute.url], { connectTimeoutMs: 600_000, reconnectBaseMs: 1, reconnectCapMs: 2 });
    await good.close();
    await until(() => mute.hellos >= 1);
    expect(mute.openConnections()).toBe(1);
    await c.close();
    await until(() => mute.openConnections() === 0);
    expect(c.url).toBeUndefined();
  });
});
