/**
 * Outbound peer connections leave from the node's bound IP, so a proxy or a
 * firewall in front of a peer can tell which node dialed (the chaos run's
 * fault-injecting proxy depends on it; multi-homed hosts want it anyway).
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { peerLocalAddress } from '../src/cluster/peer-network.js';
import { removeTempDirs, startTestNode } from './support/node.js';

afterAll(() => removeTempDirs());

/** A TCP listener on `host` that reports the source address of the first connection it gets. */
async function firstSourceAddress(host: string): Promise<{ port: number; source: Promise<string>; close(): void }> {
  const sockets: Socket[] = [];
  let report: (address: string) => void = () => {};
  const source = new Promise<string>((resolve) => (report = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    report(socket.remoteAddress ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const close = (): void => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { port: (server.address() as { port: number }).port, source, close };
}

describe('peer connections and the bound host', () => {
  it.each([
    ['a node bound to 127.0.0.12 dials its seeds from 127.0.0.12', '127.0.0.12', '127.0.0.11'],
    ['a node bound to 127.0.0.1 still dials a seed on another loopback address from 127.0.0.1', '127.0.0.1', '127.0.0.13'],
  ])('%s', async (_name, host, seedHost) => {
    const seed = await firstSourceAddress(seedHost);
    const node = await startTestNode({ id: 'bound', host, seeds: [`${seedHost}:${seed.port}`], gossipIntervalMs: 50 });
    try {
      expect(await seed.source).toBe(host);
    } finally {
      await node.stop();
      seed.close();
    }
  });

  it('binds outbound connections only to a specific IP, never to a wildcard or a host name', () => {
    expect(peerLocalAddress('10.1.2.3')).toBe('10.1.2.3');
    expect(peerLocalAddress('::1')).toBe('::1');
    expect(peerLocalAddress('0.0.0.0')).toBeUndefined();
    expect(peerLocalAddress('::')).toBeUndefined();
    expect(peerLocalAddress('localhost')).toBeUndefined();
    expect(peerLocalAddress(undefined)).toBeUndefined();
  });
});
