/**
 * Issue 15, item 1: a small anti-entropy frame whose lz4 body's own size
 * prefix (u32 LE, what lz4-napi allocates) claims gigabytes made the node
 * allocate them on the event loop. Every call that carries `entries` is
 * sent over a real `/peer` socket with that prefix raised to 4 GiB − 1; the
 * node must refuse each with `invalid-message` and keep serving.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PeerMessage } from '@ringkv/protocol';
import type { RingkvNode } from '../../src/index.js';
import { encodeEntries, type SetEntry } from '../../src/anti-entropy/entries.js';
import { dialPeer, peerHello } from '../support/peer.js';
import { removeTempDirs, startTestNode } from '../support/node.js';

const nodes: RingkvNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});
afterAll(removeTempDirs);

/** A compressed `entries` chunk of honest pairs whose lz4 prefix says 4 GiB − 1 (ringkv's own declared length untouched). */
function bomb(): Uint8Array {
  const pairs: SetEntry[] = Array.from({ length: 1000 }, (_, i) => ({ key: new TextEncoder().encode(`key-${i}`), set: new Uint8Array(0) }));
  const chunk = encodeEntries(pairs).slice();
  expect(chunk[0], 'the chunk must be the compressed format').toBe(1);
  new DataView(chunk.buffer).setUint32(5, 0xffff_ffff, true);
  return chunk;
}

describe('issue 15: decompression bomb on the peer port', () => {
  it('refuses sync-sets, key-sets, stream-push and stream-check whose lz4 prefix claims 4 GiB, and still answers a fetch', async () => {
    const node = await startTestNode();
    nodes.push(node);
    const peer = await dialPeer(node.url);
    peer.send(peerHello());
    expect(await peer.next()).toMatchObject({ type: 'peer-hello-ok' });
    const entries = bomb();
    const calls: PeerMessage[] = [
      { type: 'sync-sets', id: 1, entries, timeoutMs: 1000 },
      { type: 'key-sets', id: 2, entries, timeoutMs: 1000 },
      { type: 'stream-push', id: 3, entries, timeoutMs: 1000 },
      { type: 'stream-check', id: 4, entries, timeoutMs: 1000 },
    ];
    for (const call of calls) {
      peer.send(call);
      expect(await peer.next(), call.type).toMatchObject({ type: 'peer-error', id: (call as { id: number }).id, code: 'invalid-message' });
    }
    peer.send({ type: 'fetch', id: 5, key: 'k', timeoutMs: 1000 });
    expect(await peer.next()).toMatchObject({ type: 'fetch-ok', id: 5 });
  });
});
