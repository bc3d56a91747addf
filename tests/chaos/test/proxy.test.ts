/**
 * The fault proxy over real loopback sockets: an echo server stands in for
 * the node; two senders bound to their own loopback addresses stand in for
 * two peers, so the proxy names them by source address.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy, FaultTable } from '../src/index.js';

const nodeHost = '127.0.0.41';
const proxyHost = '127.0.0.42';
const peers: Record<string, string> = { '127.0.0.43': 'a', '127.0.0.44': 'b' };

interface Echo {
  server: Server;
  port: number;
  /** Bytes the echo server received, per sender port seen by it (one entry per connection). */
  received: string[];
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function echoServer(): Promise<Echo> {
  const sockets: Socket[] = [];
  const echo: Echo = { server: createServer(), port: 0, received: [] };
  echo.server.on('connection', (s) => {
    sockets.push(s);
    const i = echo.received.push('') - 1;
    s.on('data', (d) => {
      echo.received[i] += d.toString();
      s.write(d);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => echo.server.listen(0, nodeHost, () => r()));
  echo.port = (echo.server.address() as { port: number }).port;
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => echo.server.close(() => r()));
  });
  return echo;
}

async function proxyTo(port: number, table: FaultTable): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ host: proxyHost, target: { host: nodeHost, port }, endpoint: 'node', endpointOf: (a) => peers[a] ?? 'client', table });
  closers.push(() => proxy.close());
  return proxy;
}

/** A connection from `localAddress` through the proxy, collecting what comes back. */
async function dial(proxy: FaultProxy, localAddress: string): Promise<{ socket: Socket; got: () => string; closed: Promise<void> }> {
  let got = '';
  const socket = connect({ host: proxyHost, port: proxy.port, localAddress });
  socket.on('data', (d) => (got += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  closers.push(() => void socket.destroy());
  return { socket, got: () => got, closed };
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(test(), what).toBe(true);
}

describe('FaultProxy', () => {
  it('passes bytes both ways between a peer and its node', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port, new FaultTable());
    const a = await dial(proxy, '127.0.0.43');
    a.socket.write('hello');
    await until(() => a.got() === 'hello', 'the echo came back through the proxy');
    expect(echo.received).toEqual(['hello']);
    expect(proxy.connectionCount()).toBe(1);
  });

  it('a partition stalls only the blocked pair, and the heal delivers the held bytes intact and in order', async () => {
    const echo = await echoServer();
    const table = new FaultTable();
    const proxy = await proxyTo(echo.port, table);
    const a = await dial(proxy, '127.0.0.43');
    const b = await dial(proxy, '127.0.0.44');
    table.partition([['a'], ['node', 'b']]);
    a.socket.write('one,');
    a.socket.write('two');
    b.socket.write('from b');
    await until(() => b.got() === 'from b', 'b is not partitioned');
    expect(a.got()).toBe('');
    expect(echo.received).toContain('');
    table.heal();
    await until(() => a.got() === 'one,two', 'a heal releases the stalled bytes');
  });

  it('a one-way block lets the peer reach the node but stalls the replies', async () => {
    const echo = await echoServer();
    const table = new FaultTable();
    const proxy = await proxyTo(echo.port, table);
    const a = await dial(proxy, '127.0.0.43');
    table.block(['node'], ['a']);
    a.socket.write('ping');
    await until(() => echo.received.includes('ping'), 'a → node still flows');
    expect(a.got()).toBe('');
    table.heal();
    await until(() => a.got() === 'ping', 'the replies arrive after the heal');
  });

  it('a cut resets the named peer’s connections and leaves the others open', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port, new FaultTable());
    const a = await dial(proxy, '127.0.0.43');
    const b = await dial(proxy, '127.0.0.44');
    expect(proxy.cut((peer) => peer === 'a')).toBe(1);
    await a.closed;
    b.socket.write('still here');
    await until(() => b.got() === 'still here', 'b keeps its connection');
    expect(proxy.connectionCount()).toBe(1);
  });

  it('a delayed link keeps the order of the bytes', async () => {
    const echo = await echoServer();
    const table = new FaultTable();
    const proxy = await proxyTo(echo.port, table);
    const a = await dial(proxy, '127.0.0.43');
    table.delay(['a'], ['node'], 30);
    const parts = Array.from({ length: 20 }, (_, i) => `${i};`);
    for (const p of parts) a.socket.write(p);
    await until(() => a.got() === parts.join(''), 'every chunk arrives in order');
  });

  it('closes a connection at once when its node does not accept', async () => {
    const echo = await echoServer();
    const port = echo.port;
    await closers.pop()?.();
    const proxy = await proxyTo(port, new FaultTable());
    const a = await dial(proxy, '127.0.0.43');
    await a.closed;
    expect(proxy.connectionCount()).toBe(0);
  });
});

describe('FaultTable', () => {
  it('blocks directed links only as asked, and heal clears every rule', () => {
    const t = new FaultTable();
    let changes = 0;
    t.onChange(() => changes++);
    t.block(['a'], ['b', 'c']);
    expect(t.link('a', 'b').blocked).toBe(true);
    expect(t.link('b', 'a').blocked).toBe(false);
    expect(t.link('a', 'a').blocked).toBe(false);
    t.partition([['a'], ['b'], ['c', 'd']]);
    expect(t.link('d', 'b').blocked).toBe(true);
    expect(t.link('c', 'd').blocked).toBe(false);
    t.delay(['c'], ['d'], 50);
    expect(t.link('c', 'd')).toEqual({ blocked: false, delayMs: 50 });
    expect(t.isHealed()).toBe(false);
    t.heal();
    expect(t.isHealed()).toBe(true);
    expect(t.link('a', 'b')).toEqual({ blocked: false, delayMs: 0 });
    expect(changes).toBe(4);
  });

  it('tells its listeners once per batch, after the last change of it', () => {
    const t = new FaultTable();
    const seen: boolean[] = [];
    t.onChange(() => seen.push(t.link('a', 'b').blocked));
    t.block(['a'], ['b']);
    t.batch(() => {
      t.heal();
      t.partition([['a'], ['b']]);
    });
    expect(seen).toEqual([true, true]);
  });
});
