/**
 * Issue 15, item 6: with `authToken` set and no `clusterSecret`, a local
 * process said a peer hello without a secret on `/peer` (admitted: loopback),
 * then a `forward` put wrote a key that clients read and a `forward` get
 * returned stored values, past the token. A node with a token now needs a
 * secret, and a peer without it reaches nothing.
 */
import { WireCodec, type Message } from '@ringkv/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isNodeServerError, type NodeServerError } from '../../src/index.js';
import { connect } from '../support/client.js';
import { dialPeer, peerHello, type Peer } from '../support/peer.js';
import { nodeTracker, removeTempDirs } from '../support/node.js';

const nodes = nodeTracker();
afterEach(nodes.stopAll);
afterAll(removeTempDirs);

const wire = new WireCodec();
const token = 'client-token';
const secret = 'cluster-secret';

/** A forward of one client request through `peer`; resolves with the client reply it carries, or the peer's refusal. */
async function forward(peer: Peer, request: Message): Promise<Message | { type: 'refused'; code: string }> {
  peer.send({ type: 'forward', id: 1, request: wire.encode(request), timeoutMs: 2_000 });
  const reply = await Promise.race([peer.next(), peer.closed.then(() => undefined)]);
  if (reply === undefined) return { type: 'refused', code: 'closed' };
  if (reply.type === 'peer-error') return { type: 'refused', code: reply.code };
  if (reply.type !== 'forward-ok') throw new Error(`unexpected ${reply.type}`);
  const decoded = wire.decode(reply.reply);
  if (!decoded.ok) throw decoded.error;
  return decoded.message;
}

describe('issue 15: an auth token is not bypassed through /peer', () => {
  it('refuses to start with an auth token but no cluster secret, naming both options', async () => {
    const error = await nodes.start({ authToken: token }).then(
      () => undefined,
      (e: unknown) => e as NodeServerError,
    );
    expect(error !== undefined && isNodeServerError(error) && error.code).toBe('invalid-option');
    expect(error?.message).toMatch(/authToken.*clusterSecret/);
  });

  it('refuses a loopback peer hello without the secret, so its forward put and get reach no key', async () => {
    const node = await nodes.start({ authToken: token, clusterSecret: secret });
    const client = await connect(node.url, token);
    expect(await client.request({ type: 'put', key: 'stored', value: new Uint8Array([1]) })).toMatchObject({ type: 'put-ok' });

    const intruder = await dialPeer(node.url);
    intruder.send(peerHello());
    expect(await intruder.next()).toMatchObject({ type: 'peer-error', code: 'unauthorized' });
    expect(await forward(intruder, { type: 'put', id: 7, key: 'planted', value: new Uint8Array([2]) })).toMatchObject({ type: 'refused' });

    const skipper = await dialPeer(node.url);
    expect(await forward(skipper, { type: 'get', id: 8, key: 'stored' })).toMatchObject({ type: 'refused' });

    expect(await client.request({ type: 'get', key: 'planted' })).toMatchObject({ type: 'get-ok', found: false });
  });

  it('still serves a peer that presents the secret', async () => {
    const node = await nodes.start({ authToken: token, clusterSecret: secret });
    const peer = await dialPeer(node.url);
    peer.send(peerHello(secret));
    expect(await peer.next()).toMatchObject({ type: 'peer-hello-ok' });
    expect(await forward(peer, { type: 'put', id: 9, key: 'k', value: new Uint8Array([3]) })).toMatchObject({ type: 'put-ok', id: 9 });
  });
});
