/** A raw peer connection to a node's `/peer` path, spoken with @ringkv/protocol's PeerCodec: frames in order, and the close code. */
import { PeerCodec, PEER_PROTOCOL_VERSION, type PeerMessage } from '@ringkv/protocol';
import { WebSocket } from 'ws';

export const peerCodec = new PeerCodec();

export interface Peer {
  send(m: PeerMessage): void;
  next(): Promise<PeerMessage>;
  closed: Promise<number>;
  ws: WebSocket;
}

/** Opens `${url}/peer`; resolves once the WebSocket is open (no hello sent). */
export function dialPeer(url: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/peer`);
    const inbox: PeerMessage[] = [];
    const waiters: ((m: PeerMessage) => void)[] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (data: Buffer) => {
      const d = peerCodec.decode(data);
      if (!d.ok) throw d.error;
      const w = waiters.shift();
      if (w) w(d.message);
      else inbox.push(d.message);
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        closed,
        send: (m) => ws.send(peerCodec.encode(m)),
        next: () => new Promise((r) => (inbox.length > 0 ? r(inbox.shift() as PeerMessage) : waiters.push(r))),
      }),
    );
  });
}

/** A peer hello of node `nodeId` in cluster `ringkv`, with `secret` when given. */
export const peerHello = (secret?: string, nodeId = 'x'): PeerMessage => ({
  type: 'peer-hello',
  protocolVersion: PEER_PROTOCOL_VERSION,
  nodeId,
  clusterName: 'ringkv',
  ...(secret === undefined ? {} : { secret }),
});

/**
 * The two hellos of a peer capability negotiated in the hello (`relay`,
 * `batching`): one connection says hello without it (closed after its
 * hello-ok), a second asks for it. Returns both hello-oks for the test to
 * check, and the second connection, open for calls made with the capability.
 */
export async function helloWithoutThenWith(url: string, capability: 'relay' | 'batching'): Promise<{ withoutIt: PeerMessage; withIt: PeerMessage; peer: Peer }> {
  const old = await dialPeer(url);
  old.send(peerHello());
  const withoutIt = await old.next();
  old.ws.close();
  const peer = await dialPeer(url);
  peer.send({ ...peerHello(), [capability]: true } as PeerMessage);
  return { withoutIt, withIt: await peer.next(), peer };
}
