/**
 * Issue 15, item 4: nothing bounded the bytes in flight. Four connections
 * pipelining 1 MiB puts (inside every documented limit) pushed RSS to 2 GB,
 * and another client waited seconds. Now a connection is no longer read once
 * it holds `requestBytesInFlightMax` request bytes, and the node runs at most
 * `nodeRequestBytesInFlightMax`; the flood waits in the clients' sockets.
 * (Small bounds and a slowed engine here; the 1 MiB flood is the README's
 * benchmark, bench/flood.mjs.)
 */
import { openEngine } from '@ringkv/lsm-engine';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeReply } from '@ringkv/protocol';
import type { RingkvNode, StorageEngine, StorageOpener } from '../../src/index.js';
import { connect as connectWs } from '../support/client.js';
import { connectTcp } from '../support/tcp-client.js';
import { removeTempDirs, startTestNode } from '../support/node.js';

afterAll(removeTempDirs);

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The real engine, each batch held back a little: a disk slower than the clients. */
const slowEngine: StorageOpener = async (dir, options) => {
  const engine = await openEngine(dir, options);
  const slowed: StorageEngine = {
    getSync: (key) => engine.getSync(key),
    iterate: (bounds) => engine.iterate(bounds),
    batch: async (ops, opts) => {
      await delay(5);
      return engine.batch(ops, opts);
    },
    stats: () => engine.stats(),
    writeState: () => engine.writeState(),
    close: (opts) => engine.close(opts),
  };
  return slowed;
};

interface RequestBytes {
  inFlightBytes: number;
  peakBytes: number;
  maxBytes: number;
  pausedConnections: number;
}

async function requestBytes(httpUrl: string): Promise<RequestBytes> {
  return ((await (await fetch(`${httpUrl}/status`)).json()) as { requestBytes: RequestBytes }).requestBytes;
}

/** Both client transports share the connection code, and so its request byte bounds (issue 12). */
type Requester = { request<T extends { type: string }>(body: T): Promise<NodeReply> };
const connectBy = (transport: 'WebSocket' | 'TCP', n: RingkvNode): Promise<Requester> => (transport === 'TCP' ? connectTcp(n.tcpUrl) : connectWs(n.url));

describe('issue 15: request bytes in flight', () => {
  for (const transport of ['WebSocket', 'TCP'] as const)
  it(`connections pipelining large puts stop being read at their bound, the node never runs more than its bound, and another client is still served (${transport})`, async () => {
    const perConnection = 256 * 1024;
    const perNode = 1024 * 1024;
    const node = await startTestNode({ requestBytesInFlightMax: perConnection, nodeRequestBytesInFlightMax: perNode, openStorage: slowEngine });
    const value = new Uint8Array(100 * 1024).fill(3);
    const flooders = await Promise.all([0, 1, 2, 3].map(() => connectBy(transport, node)));
    const floods = flooders.flatMap((c, f) => Array.from({ length: 60 }, (_, i) => c.request({ type: 'put', key: `flood-${f}-${i}`, value })));

    let pausedSeen = 0;
    for (let i = 0; i < 20; i++) {
      const rb = await requestBytes(node.httpUrl);
      pausedSeen = Math.max(pausedSeen, rb.pausedConnections);
      expect(rb.inFlightBytes).toBeLessThanOrEqual(perNode);
      if (pausedSeen > 0) break;
      await delay(10);
    }
    expect(pausedSeen).toBeGreaterThan(0);

    const polite = await connectWs(node.url);
    expect(await polite.request({ type: 'put', key: 'polite', value: new Uint8Array([1]) })).toMatchObject({ type: 'put-ok' });
    expect(await polite.request({ type: 'get', key: 'polite' })).toMatchObject({ type: 'get-ok', found: true });

    const replies = await Promise.all(floods);
    expect(replies.every((r) => r.type === 'put-ok')).toBe(true);
    const after = await requestBytes(node.httpUrl);
    expect(after.peakBytes).toBeLessThanOrEqual(perNode);
    expect(after.peakBytes).toBeGreaterThan(perConnection); // several connections ran at once
    expect(after.inFlightBytes).toBe(0);
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ringkv_connections_paused_for_request_bytes_total\{node="n1"\} [1-9]/);
    await node.stop();
  });
});
