/** A node's `relay` call, spoken to directly (cluster/relay-serve.ts): the hello capability, a relayed write stored on the relay node, hints for stand-ins, refusals. */
import type { PeerMessage } from '@ringkv/protocol';
import { empty, live, update } from '@ringkv/vclock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeRelayOutcomes, encodeRelayEntries, type RelayEntry } from '../src/cluster/relay-codec.js';
import { encodeSet, type StoredValue } from '../src/store/set-codec.js';
import { connect, firstValueText } from './support/client.js';
import { dialPeer, helloWithoutThenWith, peerHello } from './support/peer.js';
import { nodeTracker, removeTempDirs } from './support/node.js';

const nodes = nodeTracker();

afterEach(async () => {
  await nodes.stopAll();
});
afterAll(removeTempDirs);

const setOf = (text: string): Uint8Array => encodeSet(update(empty<StoredValue>(), [], 'other', live<StoredValue>(new TextEncoder().encode(text))));

describe('the relay peer call', () => {
  it('is offered only to a hello that asks; a relay naming the node stores the set, a stand-in target a hint, an unknown target fails alone', async () => {
    const node = await nodes.start();
    const { withoutIt, withIt, peer } = await helloWithoutThenWith(node.url, 'relay');
    expect(withoutIt).toEqual({ type: 'peer-hello-ok', nodeId: 'n1' });
    expect(withIt).toEqual({ type: 'peer-hello-ok', nodeId: 'n1', relay: true });
    const entries: RelayEntry[] = [
      { key: 'k', set: setOf('relayed'), targets: [{ node: 'n1' }, { node: 'ghost' }] },
      { key: 'h', set: setOf('hinted'), targets: [{ node: 'n1', hintFor: 'n9', hintStampMs: 0 }] },
    ];
    peer.send({ type: 'relay', id: 3, entries: encodeRelayEntries(entries), timeoutMs: 2_000 });
    const reply = await peer.next();
    expect(reply.type).toBe('relay-ok');
    if (reply.type !== 'relay-ok') return;
    expect(decodeRelayOutcomes(reply.outcomes, entries).map((row) => row.map((o) => o?.code ?? 'ack'))).toEqual([['ack', 'unavailable'], ['ack']]);
    peer.send({ type: 'fetch', id: 4, key: 'h', hintFor: 'n9', timeoutMs: 1_000 });
    const hint = await peer.next();
    expect(hint.type === 'fetch-ok' && hint.set !== undefined).toBe(true);
    const client = await connect(node.url);
    expect(firstValueText(await client.request({ type: 'get', key: 'k' }))).toBe('relayed');
    await client.close();
    peer.ws.close();
  });

  it('answers a relay whose entries do not decode with invalid-message and keeps the connection', async () => {
    const node = await nodes.start();
    const peer = await dialPeer(node.url);
    peer.send({ ...peerHello(), relay: true } as PeerMessage);
    await peer.next();
    peer.send({ type: 'relay', id: 1, entries: Uint8Array.from([0, 0xc1]), timeoutMs: 1_000 });
    expect(await peer.next()).toMatchObject({ type: 'peer-error', id: 1, code: 'invalid-message' });
    peer.send({ type: 'fetch', id: 2, key: 'k', timeoutMs: 1_000 });
    expect(await peer.next()).toEqual({ type: 'fetch-ok', id: 2 });
    peer.ws.close();
  });
});
