/**
 * Issue 15, item 5: half-sent frames were held forever. 250 connections each
 * sending 4 MiB − 17 B of a frame took the node from 89 MiB to 1.1 GB and
 * stayed open; a sender trickling a byte every 2 s stayed connected. Now an
 * incomplete message has `frameReadTimeoutMs`, the bytes of incomplete
 * messages across connections are bounded by `partialFrameBytesMax` (the
 * oldest dropped first), and before hello a frame may not announce more than
 * `helloFrameBytesMax` (server/frame-guard.ts).
 */
import { PROTOCOL_VERSION } from '@ringkv/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { helloFrameBytesMax } from '../../src/limits.js';
import type { RingkvNode } from '../../src/index.js';
import { codec, connect } from '../support/client.js';
import { peerCodec, peerHello } from '../support/peer.js';
import { nodeTracker, removeTempDirs } from '../support/node.js';
import { maskedFrameHeader, openRaw, portOf, upgradeRequest, type RawSocket } from '../support/raw-socket.js';

const nodes = nodeTracker();
afterEach(nodes.stopAll);
afterAll(removeTempDirs);

const MiB = 1024 * 1024;

interface PartialFrames {
  bytes: number;
  connections: number;
  timedOut: number;
  dropped: number;
  refusedBeforeHello: number;
}

async function partialFrames(n: RingkvNode): Promise<PartialFrames> {
  const status = (await (await fetch(`${n.httpUrl}/status`)).json()) as { connections: { partialFrames: PartialFrames } };
  return status.connections.partialFrames;
}

/** Polls /status until `done` holds (bounded: 200 polls). */
async function until(n: RingkvNode, done: (p: PartialFrames) => boolean): Promise<PartialFrames> {
  let p = await partialFrames(n);
  for (let i = 0; i < 200 && !done(p); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    p = await partialFrames(n);
  }
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function frame(payload: Uint8Array): Uint8Array {
  return Buffer.concat([maskedFrameHeader(payload.length), payload]);
}

const clientHello = (): Uint8Array => codec.encode({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: 'partial' });
const helloOf = { '/': clientHello, '/peer': () => peerCodec.encode(peerHello()) } as const;

/** An upgraded raw socket on `path` that said its good hello (and got the node's answer). */
async function helloed(n: RingkvNode, path: '/' | '/peer'): Promise<RawSocket> {
  const s = await openRaw(portOf(n.url), upgradeRequest(path), '\r\n\r\n');
  const answered = new Promise((resolve) => s.socket.once('data', resolve));
  s.socket.write(frame(helloOf[path]()));
  await answered;
  return s;
}

describe('issue 15: partial frames', () => {
  for (const path of ['/', '/peer'] as const) {
    it(`destroys a ${path === '/' ? 'client' : 'peer'} connection trickling one frame a byte at a time once frameReadTimeoutMs passes`, async () => {
      const n = await nodes.start({ frameReadTimeoutMs: 200, helloTimeoutMs: 600_000 });
      const s = await helloed(n, path);
      s.socket.write(maskedFrameHeader(1_000));
      for (let i = 0; i < 250 && !s.isClosed(); i++) {
        s.socket.write(new Uint8Array([0]));
        await sleep(20);
      }
      expect(s.isClosed()).toBe(true);
      expect(await until(n, (p) => p.timedOut === 1)).toMatchObject({ timedOut: 1, bytes: 0, connections: 0 });
    }, 15_000);
  }

  it('keeps the bytes of incomplete frames under partialFrameBytesMax by dropping the connections whose frames started first', async () => {
    const n = await nodes.start({ partialFrameBytesMax: 4 * MiB, frameReadTimeoutMs: 600_000 });
    const held: RawSocket[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await helloed(n, '/');
      s.socket.write(maskedFrameHeader(3 * MiB));
      s.socket.write(Buffer.alloc(MiB));
      held.push(s);
      const p = await until(n, (q) => q.bytes + MiB * q.dropped >= (i + 1) * MiB);
      expect(p.bytes).toBeLessThanOrEqual(4 * MiB);
    }
    await Promise.all([held[0]?.closed, held[1]?.closed]);
    expect(held.map((s) => s.isClosed())).toEqual([true, true, false, false, false, false]);
    expect(await partialFrames(n)).toMatchObject({ bytes: 4 * MiB, connections: 4, dropped: 2 });
    const client = await connect(n.url);
    expect(await client.request({ type: 'put', key: 'k', value: new Uint8Array([1]) })).toMatchObject({ type: 'put-ok' });
    for (const s of held) s.socket.destroy();
    expect(await until(n, (p) => p.bytes === 0)).toMatchObject({ bytes: 0, connections: 0 });
  });

  for (const path of ['/', '/peer'] as const) {
    it(`destroys a ${path === '/' ? 'client' : 'peer'} connection whose frame before hello announces more than helloFrameBytesMax, at its header`, async () => {
      const n = await nodes.start({ helloTimeoutMs: 600_000 });
      const announcedBytes = 64 * 1024;
      expect(announcedBytes).toBeGreaterThan(helloFrameBytesMax);
      const s = await openRaw(portOf(n.url), upgradeRequest(path), '\r\n\r\n');
      s.socket.write(maskedFrameHeader(announcedBytes));
      await s.closed;
      expect(await until(n, (p) => p.refusedBeforeHello === 1)).toMatchObject({ refusedBeforeHello: 1, bytes: 0 });
    });
  }

  it('lets a hello-sized frame arrive in pieces and a large put through after hello', async () => {
    const n = await nodes.start({ frameReadTimeoutMs: 10_000 });
    const client = await connect(n.url);
    const value = new Uint8Array(MiB).fill(7);
    expect(await client.request({ type: 'put', key: 'big', value })).toMatchObject({ type: 'put-ok' });
    expect(await partialFrames(n)).toMatchObject({ bytes: 0, timedOut: 0, dropped: 0, refusedBeforeHello: 0 });
  });
});
