/** The peer port of a node, spoken to directly: admission by cluster secret, calls and refusals. */
import { empty, live, update } from '@ringkv/vclock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { encodeSet, type StoredValue } from '../src/store/set-codec.js';
import { connect, firstValueText } from './support/client.js';
import { dialPeer, peerHello } from './support/peer.js';
import { removeTempDirs, startTestNode } from './support/node.js';

const nodes: RingkvNode[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});
afterAll(removeTempDirs);

describe('the peer port', () => {
  it('refuses a peer hello without the cluster secret with unauthorized and close 1008', async () => {
    const node = await startTestNode({ clusterSecret: 's3cret' });
    nodes.push(node);
    const peer = await dialPeer(node.url);
    peer.send(peerHello('wrong'));
    const reply = await peer.next();
    expect(reply).toMatchObject({ type: 'peer-error', code: 'unauthorized' });
    expect(await peer.closed).toBe(1008);
  });

  it('refuses any call before the peer hello', async () => {
    const node = await startTestNode();
    nodes.push(node);
    const peer = await dialPeer(node.url);
    peer.send({ type: 'fetch', id: 1, key: 'k', timeoutMs: 100 });
    expect(await peer.next()).toMatchObject({ type: 'peer-error', code: 'hello-required' });
    expect(await peer.closed).toBe(1002);
  });

  it('serves apply and fetch after a good hello, storing an applied set as data a client can read', async () => {
    const node = await startTestNode({ clusterSecret: 's3cret' });
    nodes.push(node);
    const peer = await dialPeer(node.url);
    peer.send(peerHello('s3cret'));
    expect(await peer.next()).toEqual({ type: 'peer-hello-ok', nodeId: 'n1' });
    const set = update(empty<StoredValue>(), [], 'other', live<StoredValue>(new TextEncoder().encode('from-peer')));
    peer.send({ type: 'apply', id: 7, key: 'k', set: encodeSet(set), timeoutMs: 1000 });
    expect(await peer.next()).toEqual({ type: 'apply-ok', id: 7 });
    peer.send({ type: 'fetch', id: 8, key: 'k', timeoutMs: 1000 });
    const fetched = await peer.next();
    expect(fetched.type === 'fetch-ok' && fetched.set !== undefined).toBe(true);
    peer.send({ type: 'fetch', id: 9, key: 'k', hintFor: 'nobody', timeoutMs: 1000 });
    expect(await peer.next()).toEqual({ type: 'fetch-ok', id: 9 });
    const client = await connect(node.url);
    expect(firstValueText(await client.request({ type: 'get', key: 'k' }))).toBe('from-peer');
    await client.close();
    peer.ws.close();
  });

  it('answers an apply of a set that does not decode with invalid-message (the sender\'s error, issue 15) and keeps the connection', async () => {
    const node = await startTestNode();
    nodes.push(node);
    const peer = await dialPeer(node.url);
    peer.send(peerHello());
    await peer.next();
    peer.send({ type: 'apply', id: 1, key: 'k', set: new Uint8Array([0xc1]), timeoutMs: 1000 });
    expect(await peer.next()).toMatchObject({ type: 'peer-error', id: 1, code: 'invalid-message' });
    peer.send({ type: 'fetch', id: 2, key: 'k', timeoutMs: 1000 });
    expect(await peer.next()).toEqual({ type: 'fetch-ok', id: 2 });
    peer.ws.close();
  });
});
