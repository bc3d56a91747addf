/**
 * Batched peer RPC (issue 12): a link's calls of one turn leave in one
 * `peer-batch` frame when the peer says it reads them; each call keeps its own
 * id, deadline and outcome; and a node answers a batching dialer's batched
 * calls in batches.
 */
import { PeerCodec, isProtocolError, peerBatchMessagesMax, type PeerMessage } from '@ringkv/protocol';
import { empty, live, update } from '@ringkv/vclock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PeerLink, type PeerStats } from '../src/cluster/peer-link.js';
import { systemClock } from '../src/cluster/system-clock.js';
import { encodeSet, type StoredValue } from '../src/store/set-codec.js';
import { peerBatchBytesMax } from '../src/limits.js';
import { helloWithoutThenWith } from './support/peer.js';
import { nodeTracker, removeTempDirs } from './support/node.js';

const codec = new PeerCodec();

function stats(): PeerStats {
  return { callsSent: 0, callsFailed: 0, callsTimedOut: 0, gossipSent: 0, gossipDropped: 0, connectsOk: 0, connectsFailed: 0 };
}

async function outcome(p: Promise<PeerMessage>): Promise<string> {
  try {
    const m = await p;
    return m.type === 'fetch-ok' ? `ok ${m.id}` : m.type;
  } catch (error) {
    return isProtocolError(error) ? error.code : String(error);
  }
}

/**
 * A fake peer: answers the hello (with `batching` unless told not to), records
 * every frame after it, and answers calls with `answer` (undefined: never).
 */
async function fakePeer(options: { batching?: boolean; answer?: (call: PeerMessage, ws: WebSocket) => PeerMessage | undefined } = {}) {
  const frames: PeerMessage[] = [];
  const sockets: WebSocket[] = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      const d = codec.decode(data);
      if (!d.ok) throw d.error;
      const m = d.message;
      if (m.type === 'peer-hello') return ws.send(codec.encode({ type: 'peer-hello-ok', nodeId: 'fake', ...(options.batching !== false && m.batching === true ? { batching: true } : {}) }));
      frames.push(m);
      const calls = m.type === 'peer-batch' ? m.messages : [m];
      const replies = calls.map((c) => options.answer?.(c, ws)).filter((r): r is PeerMessage => r !== undefined);
      if (replies.length > 0) ws.send(codec.encode({ type: 'peer-batch', messages: replies.reverse() } as PeerMessage));
    });
  });
  const link = (s = stats()) => new PeerLink(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, { selfId: 'me', clusterName: 'ringkv', secret: undefined, codec, clock: systemClock, random: { next: () => 0.99 }, stats: s });
  return { frames, sockets, link, close: () => new Promise<void>((r) => wss.close(() => r())) };
}

const fetchOk = (c: PeerMessage): PeerMessage | undefined => (c.type === 'fetch' ? { type: 'fetch-ok', id: c.id } : undefined);

/** Opens the link (its first call waits for the connection) so later calls of one turn meet a negotiated link. */
async function opened(link: PeerLink): Promise<void> {
  await link.call({ type: 'fetch', key: 'warm-up' }, 2_000).catch(() => undefined);
}

describe('PeerLink batching', () => {
  it('sends the calls of one turn in one peer-batch frame, in order, and settles each with its own reply (answered out of order)', async () => {
    const peer = await fakePeer({ answer: fetchOk });
    const link = peer.link();
    await opened(link);
    peer.frames.length = 0;
    const calls = Array.from({ length: 10 }, (_, i) => link.call({ type: 'fetch', key: `k${i}` }, 2_000));
    const results = await Promise.all(calls.map(outcome));
    expect(peer.frames.map((f) => f.type)).toEqual(['peer-batch']);
    const batch = peer.frames[0] as Extract<PeerMessage, { type: 'peer-batch' }>;
    expect(batch.messages.map((m) => (m.type === 'fetch' ? m.key : '?'))).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(results).toEqual(batch.messages.map((m) => `ok ${m.id}`));
    link.close();
    await peer.close();
  });

  it(`splits a turn's calls at peerBatchMessagesMax (${peerBatchMessagesMax}) messages and at peerBatchBytesMax estimated bytes`, async () => {
    const peer = await fakePeer({ answer: (c) => (c.type === 'apply' ? { type: 'apply-ok', id: c.id } : fetchOk(c)) });
    const link = peer.link();
    await opened(link);
    peer.frames.length = 0;
    const many = Array.from({ length: peerBatchMessagesMax + 10 }, (_, i) => link.call({ type: 'fetch', key: `k${i}` }, 5_000));
    expect(new Set(await Promise.all(many.map(outcome))).has('timeout')).toBe(false);
    expect(peer.frames.map((f) => (f.type === 'peer-batch' ? f.messages.length : f.type))).toEqual([peerBatchMessagesMax, 10]);
    peer.frames.length = 0;
    const third = Math.floor(peerBatchBytesMax / 3);
    const big = [0, 1, 2, 3].map((i) => link.call({ type: 'apply', key: `b${i}`, set: new Uint8Array(third) }, 5_000));
    const alone = link.call({ type: 'apply', key: 'huge', set: new Uint8Array(peerBatchBytesMax + 1) }, 5_000);
    expect(await Promise.all([...big, alone].map(outcome))).toEqual(['apply-ok', 'apply-ok', 'apply-ok', 'apply-ok', 'apply-ok']);
    // The third big call sent the first two at once; the one too large for any batch went alone, at once.
    expect(peer.frames.map((f) => (f.type === 'peer-batch' ? f.messages.length : f.type))).toEqual([2, 'apply', 2]);
    link.close();
    await peer.close();
  });

  it('fails one call of a batch alone: its peer-error, its own deadline, or its own bad key', async () => {
    const peer = await fakePeer({
      answer: (c) => {
        if (c.type !== 'fetch') return undefined;
        if (c.key === 'refused') return { type: 'peer-error', id: c.id, code: 'unavailable', message: 'read hold' };
        if (c.key === 'slow') return undefined;
        return { type: 'fetch-ok', id: c.id };
      },
    });
    const s = stats();
    const link = peer.link(s);
    await opened(link);
    const keys = ['a', 'refused', 'b', 'slow', 'x'.repeat(2_000), 'c'];
    const results = await Promise.all(keys.map((key) => outcome(link.call({ type: 'fetch', key }, key === 'slow' ? 150 : 5_000))));
    expect(results.map((r) => r.split(' ')[0])).toEqual(['ok', 'unavailable', 'ok', 'timeout', 'key-too-large', 'ok']);
    expect(s.callsTimedOut).toBe(1);
    link.close();
    await peer.close();
  });

  it('fails the calls of a batch sent before the peer vanished as indeterminate (timeout), and calls not yet written as never sent', async () => {
    const peer = await fakePeer({ answer: (_, ws) => void ws.terminate() });
    const link = peer.link();
    await opened(link);
    const sent = [1, 2, 3].map((i) => link.call({ type: 'fetch', key: `k${i}` }, 5_000));
    expect(await Promise.all(sent.map(outcome))).toEqual(['timeout', 'timeout', 'timeout']);
    const quiet = await fakePeer({ answer: fetchOk });
    const other = quiet.link();
    await opened(other);
    const unsent = [1, 2].map((i) => other.call({ type: 'fetch', key: `k${i}` }, 5_000));
    other.close(); // in the same turn: the batch was never written
    expect(await Promise.all(unsent.map(outcome))).toEqual(['shutting-down', 'shutting-down']);
    expect(quiet.frames.filter((f) => f.type === 'peer-batch' && f.messages.some((m) => m.type === 'fetch' && m.key !== 'warm-up'))).toEqual([]);
    await peer.close();
    await quiet.close();
  });

  it('sends single frames to a peer whose hello-ok does not say batching (a node from before batching)', async () => {
    const peer = await fakePeer({ batching: false, answer: fetchOk });
    const link = peer.link();
    await opened(link);
    peer.frames.length = 0;
    const results = await Promise.all([1, 2, 3].map((i) => outcome(link.call({ type: 'fetch', key: `k${i}` }, 2_000))));
    expect(results.every((r) => r.startsWith('ok'))).toBe(true);
    expect(peer.frames.map((f) => f.type)).toEqual(['fetch', 'fetch', 'fetch']);
    link.close();
    await peer.close();
  });
});

describe('a node answering a batching peer', () => {
  const nodes = nodeTracker();
  afterEach(async () => {
    await nodes.stopAll();
  });
  afterAll(removeTempDirs);

  it('says batching only to a hello that asks, runs each call of a batch, and answers each on its own in peer-batch frames', async () => {
    const node = await nodes.start();
    const { withoutIt, withIt, peer } = await helloWithoutThenWith(node.url, 'batching');
    expect(withoutIt).toEqual({ type: 'peer-hello-ok', nodeId: 'n1' });
    expect(withIt).toEqual({ type: 'peer-hello-ok', nodeId: 'n1', batching: true });
    const set = encodeSet(update(empty<StoredValue>(), [], 'other', live<StoredValue>(new TextEncoder().encode('v'))));
    peer.send({
      type: 'peer-batch',
      messages: [
        { type: 'apply', id: 1, key: 'k', set, timeoutMs: 2_000 },
        { type: 'apply', id: 2, key: 'bad', set: new Uint8Array([0xc1]), timeoutMs: 2_000 },
        { type: 'fetch', id: 3, key: 'nothing', timeoutMs: 2_000 },
      ],
    } as PeerMessage);
    const replies = new Map<number, PeerMessage>();
    while (replies.size < 3) {
      const frame = await peer.next();
      expect(frame.type).toBe('peer-batch');
      if (frame.type === 'peer-batch') for (const r of frame.messages) replies.set(r.id, r);
    }
    expect(replies.get(1)).toEqual({ type: 'apply-ok', id: 1 });
    expect(replies.get(2)).toMatchObject({ type: 'peer-error', id: 2, code: 'invalid-message' });
    expect(replies.get(3)).toEqual({ type: 'fetch-ok', id: 3 });
    peer.send({ type: 'peer-batch', messages: [{ type: 'fetch', id: 4, key: 'k', timeoutMs: 2_000 }] } as PeerMessage);
    const again = await peer.next();
    expect(again.type === 'peer-batch' && again.messages[0]?.type === 'fetch-ok' && again.messages[0].set !== undefined).toBe(true);
    peer.ws.close();
  });
});
