/** PeerBatcher alone: one frame per turn, in order, its bounds, take, and a frame that cannot be built. */
import { PeerCodec, peerBatchMessagesMax, type CheckedBatchMessage, type PeerMessage, type ProtocolError } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { batchBytesEstimate, PeerBatcher } from '../src/cluster/peer-batcher.js';

const codec = new PeerCodec();
const turn = () => new Promise<void>((r) => setImmediate(r));

function recorder(c = codec, bytesMax = 1 << 20) {
  const frames: PeerMessage[] = [];
  const failed: { ids: number[]; code: string }[] = [];
  const batcher = new PeerBatcher(
    c,
    {
      write: (frame) => {
        const d = c.decode(frame);
        if (!d.ok) throw d.error;
        frames.push(d.message);
      },
      failed: (messages: readonly CheckedBatchMessage[], error: ProtocolError) => failed.push({ ids: messages.map((m) => m.id), code: error.code }),
    },
    bytesMax,
  );
  return { frames, failed, batcher };
}

const ids = (f: PeerMessage) => (f.type === 'peer-batch' ? f.messages.map((m) => m.id) : []);

describe('PeerBatcher', () => {
  it('writes what one turn added as one frame, in the order added, and nothing for an empty turn', async () => {
    const { frames, batcher } = recorder();
    for (let id = 1; id <= 5; id++) {
      const m = codec.check({ type: 'fetch', id, key: `k${id}`, timeoutMs: 10 });
      batcher.add(m, batchBytesEstimate(m));
    }
    expect(frames, 'nothing written before the turn ends').toEqual([]);
    await turn();
    expect(frames.map(ids)).toEqual([[1, 2, 3, 4, 5]]);
    await turn();
    expect(frames.length).toBe(1);
  });

  it('starts a new frame before a message that would pass the count or byte bound, never writing that message at once', async () => {
    const { frames, batcher } = recorder(codec, 1000);
    for (let id = 0; id < peerBatchMessagesMax + 1; id++) batcher.add(codec.check({ type: 'fetch', id, key: 'k', timeoutMs: 10 }), 1);
    expect(frames.map((f) => ids(f).length), 'the full batch left when the next message came').toEqual([peerBatchMessagesMax]);
    await turn();
    expect(frames.map((f) => ids(f).length)).toEqual([peerBatchMessagesMax, 1]);
    frames.length = 0;
    for (let id = 0; id < 5; id++) batcher.add(codec.check({ type: 'apply-ok', id }), 400);
    await turn();
    expect(frames.map(ids)).toEqual([[0, 1], [2, 3], [4]]);
    expect(batcher.tooLarge(1001)).toBe(true);
    expect(batcher.tooLarge(1000)).toBe(false);
  });

  it('caps its byte bound at a quarter of the codec frame bound', () => {
    const { batcher } = recorder(new PeerCodec({ limits: { frameBytesMax: 4096, valueBytesMax: 1024 } }), 1 << 20);
    expect(batcher.tooLarge(1025)).toBe(true);
  });

  it('take removes what is queued, so nothing of it is written', async () => {
    const { frames, batcher } = recorder();
    batcher.add(codec.check({ type: 'fetch', id: 1, key: 'k', timeoutMs: 10 }), 10);
    expect(batcher.take().map((m) => m.id)).toEqual([1]);
    await turn();
    expect(frames).toEqual([]);
  });

  it('hands every message of a frame it cannot build to failed, and writes nothing', async () => {
    const small = new PeerCodec({ limits: { frameBytesMax: 1024, valueBytesMax: 512 } });
    const { frames, failed, batcher } = recorder(small);
    for (let id = 1; id <= 3; id++) batcher.add(small.check({ type: 'apply', id, key: 'k', set: new Uint8Array(400), timeoutMs: 10 }), 1);
    await turn();
    expect(frames).toEqual([]);
    expect(failed).toEqual([{ ids: [1, 2, 3], code: 'frame-too-large' }]);
  });
});
