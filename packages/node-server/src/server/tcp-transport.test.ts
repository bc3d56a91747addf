import type { Socket } from 'node:net';
import { joinLengthPrefixed, tcpPreamble } from '@ringkv/protocol';
import { describe, expect, it } from 'vitest';
import { tcpJoinBytesMax } from '../limits.js';
import { FrameGuard } from './frame-guard.js';
import { TcpTransport } from './tcp-transport.js';

/** A socket that records its writes and whether they were corked. */
function recordingSocket(): { socket: Socket; writes: Uint8Array[]; uncorkedWrites: () => number } {
  const writes: Uint8Array[] = [];
  let corked = 0;
  let flushes = 0;
  const fake = {
    destroyed: false,
    writableEnded: false,
    writableLength: 0,
    write(bytes: Uint8Array) {
      writes.push(Uint8Array.from(bytes));
      if (corked === 0) flushes++;
      return true;
    },
    cork() {
      corked++;
    },
    uncork() {
      corked--;
      if (corked === 0) flushes++;
    },
  };
  return { socket: fake as unknown as Socket, writes, uncorkedWrites: () => flushes };
}

const guard = new FrameGuard({ frameReadTimeoutMs: 1000, partialFrameBytesMax: 1024, helloFrameBytesMax: 1024 });
const limits = { frameBytesMax: 4 * 1024 * 1024, helloFrameBytesMax: 1024 };
const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('TcpTransport', () => {
  it('writes the frames sent in one turn as one buffer, in one write', async () => {
    const { socket, writes, uncorkedWrites } = recordingSocket();
    const t = new TcpTransport(socket, guard, limits);
    const frames = [Uint8Array.of(1), Uint8Array.of(2, 2), Uint8Array.of(3, 3, 3)];
    for (const f of frames) t.send(f);
    expect(writes).toHaveLength(0);
    expect(t.bufferedAmount).toBe(3 * 4 + 6);
    await tick();
    expect(writes).toEqual([joinLengthPrefixed(frames)]);
    expect(uncorkedWrites()).toBe(1);
    t.send(Uint8Array.of(4));
    await tick();
    expect(writes).toHaveLength(2);
  });

  it('sends the preamble ahead of the first frames, in the same corked write', async () => {
    const { socket, writes, uncorkedWrites } = recordingSocket();
    const t = new TcpTransport(socket, guard, limits);
    t.sendRaw(tcpPreamble);
    t.send(Uint8Array.of(9));
    await tick();
    expect(writes).toEqual([tcpPreamble, joinLengthPrefixed([Uint8Array.of(9)])]);
    expect(uncorkedWrites()).toBe(1);
  });

  it('writes a turn larger than tcpJoinBytesMax frame by frame without copying, still in one corked write', async () => {
    const { socket, writes, uncorkedWrites } = recordingSocket();
    const t = new TcpTransport(socket, guard, limits);
    const big = new Uint8Array(tcpJoinBytesMax).fill(5);
    t.send(big);
    t.send(Uint8Array.of(6));
    await tick();
    expect(writes).toHaveLength(4);
    expect(writes[1]).toEqual(big);
    expect(uncorkedWrites()).toBe(1);
  });
});
