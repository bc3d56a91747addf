import { describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { LengthPrefixedReader, TurnWriter, checkTcpPreamble, joinLengthPrefixed, tcpPreamble, type TurnSink } from './tcp-framing.js';

function frameOf(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

function readAll(reader: LengthPrefixedReader, chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    const problem = reader.push(c, (f) => (out.push(Uint8Array.from(f)), true));
    expect(problem).toBeUndefined();
  }
  return out;
}

describe('LengthPrefixedReader', () => {
  it('returns every frame of a stream cut into random chunks, in order', () => {
    const seed = testSeed(0x7c9);
    const rng = new Rng(seed);
    for (let round = 0; round < 50; round++) {
      const frames = Array.from({ length: 1 + rng.int(20) }, (_, i) => frameOf(1 + rng.int(300), i));
      const stream = joinLengthPrefixed(frames);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const take = 1 + rng.int(40);
        chunks.push(stream.subarray(at, at + take));
        at += take;
      }
      const reader = new LengthPrefixedReader(1000);
      expect(readAll(reader, chunks), seedNote(seed)).toEqual(frames);
      expect(reader.heldBytes, seedNote(seed)).toBe(0);
    }
  });

  it('counts the bytes of an incomplete frame, prefix included, as held', () => {
    const reader = new LengthPrefixedReader(1000);
    const stream = joinLengthPrefixed([frameOf(10, 1)]);
    readAll(reader, [stream.subarray(0, 2)]);
    expect(reader.heldBytes).toBe(2);
    readAll(reader, [stream.subarray(2, 9)]);
    expect(reader.heldBytes).toBe(5);
    expect(readAll(reader, [stream.subarray(9)])).toEqual([frameOf(10, 1)]);
    expect(reader.heldBytes).toBe(0);
  });

  it('refuses a length over frameBytesMax with frame-too-large before buffering, and reads nothing after', () => {
    const reader = new LengthPrefixedReader(100);
    const stream = joinLengthPrefixed([frameOf(101, 1), frameOf(5, 2)]);
    const seen: Uint8Array[] = [];
    expect(reader.push(stream, (f) => (seen.push(f), true))).toMatchObject({ code: 'frame-too-large' });
    expect(reader.heldBytes).toBe(0);
    expect(reader.push(joinLengthPrefixed([frameOf(5, 2)]), (f) => (seen.push(f), true))).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('refuses a zero length prefix as malformed-frame', () => {
    const reader = new LengthPrefixedReader(100);
    expect(reader.push(Uint8Array.of(0, 0, 0, 0, 1), () => true)).toMatchObject({ code: 'malformed-frame' });
  });

  it('applies a frameBytesMax lowered or raised between chunks', () => {
    const reader = new LengthPrefixedReader(10);
    expect(readAll(reader, [joinLengthPrefixed([frameOf(10, 1)])])).toHaveLength(1);
    reader.frameBytesMax = 50;
    expect(readAll(reader, [joinLengthPrefixed([frameOf(50, 1)])])).toHaveLength(1);
  });

  it('stops handing out frames of a chunk once onFrame returns false', () => {
    const reader = new LengthPrefixedReader(100);
    let calls = 0;
    reader.push(joinLengthPrefixed([frameOf(3, 1), frameOf(3, 2)]), () => (calls++, false));
    expect(calls).toBe(1);
  });

  it('holds copies of partial bytes, not views of the chunk', () => {
    const reader = new LengthPrefixedReader(100);
    const stream = joinLengthPrefixed([frameOf(8, 7)]);
    const first = Uint8Array.from(stream.subarray(0, 8));
    const seen: Uint8Array[] = [];
    reader.push(first, () => true);
    first.fill(0);
    reader.push(stream.subarray(8), (f) => (seen.push(f), true));
    expect(seen).toEqual([frameOf(8, 7)]);
  });
});

describe('checkTcpPreamble', () => {
  it('tells this framing, another version of it and anything else apart', () => {
    expect(checkTcpPreamble(tcpPreamble)).toBe('ok');
    const other = Uint8Array.from(tcpPreamble);
    other[7] = 2;
    expect(checkTcpPreamble(other)).toBe('other-version');
    expect(checkTcpPreamble(new TextEncoder().encode('GET / HT'))).toBe('not-ringkv');
  });

  it('starts with a byte that no HTTP method starts with', () => {
    expect(tcpPreamble[0]).toBeGreaterThan(0x7f);
  });
});

/** A sink that records its writes (copied), the flushes a socket would make, and a scheduler run by hand. */
function recorder(): { sink: TurnSink & { destroyed: boolean }; writes: Uint8Array[]; syscalls: () => number; runTurn: () => void; schedule: (f: () => void) => void } {
  const writes: Uint8Array[] = [];
  let corked = 0;
  let syscalls = 0;
  let queued: (() => void)[] = [];
  const sink = {
    destroyed: false,
    writableEnded: false,
    write(bytes: Uint8Array) {
      writes.push(Uint8Array.from(bytes));
      if (corked === 0) syscalls++;
    },
    cork() {
      corked++;
    },
    uncork() {
      if (--corked === 0) syscalls++;
    },
  };
  const runTurn = (): void => {
    const fs = queued;
    queued = [];
    for (const f of fs) f();
  };
  return { sink, writes, syscalls: () => syscalls, runTurn, schedule: (f) => queued.push(f) };
}

describe('TurnWriter', () => {
  it('writes a turn’s frames as one buffer with their prefixes, which the reader splits back', () => {
    const r = recorder();
    const w = new TurnWriter(r.sink, { schedule: r.schedule });
    const frames = [frameOf(1, 1), frameOf(70, 2), frameOf(3, 3)];
    for (const f of frames) w.push(f);
    expect(w.pendingBytes).toBe(3 * 4 + 74);
    expect(r.writes).toHaveLength(0);
    r.runTurn();
    expect(r.writes).toEqual([joinLengthPrefixed(frames)]);
    expect(r.syscalls()).toBe(1);
    expect(w.pendingBytes).toBe(0);
    expect(readAll(new LengthPrefixedReader(1024), r.writes)).toEqual(frames);
  });

  it('schedules one flush per turn, and a new one for the next turn', () => {
    const r = recorder();
    let scheduled = 0;
    const w = new TurnWriter(r.sink, { schedule: (f) => (scheduled++, r.schedule(f)) });
    w.push(frameOf(2, 1));
    w.push(frameOf(2, 2));
    expect(scheduled).toBe(1);
    r.runTurn();
    w.push(frameOf(2, 3));
    expect(scheduled).toBe(2);
    r.runTurn();
    expect(r.writes).toHaveLength(2);
  });

  it('sends the preface unprefixed ahead of the turn’s frames, in one corked write, and alone when no frame follows', () => {
    const r = recorder();
    const w = new TurnWriter(r.sink, { schedule: r.schedule });
    w.preface(tcpPreamble);
    w.push(frameOf(2, 9));
    r.runTurn();
    expect(r.writes).toEqual([tcpPreamble, joinLengthPrefixed([frameOf(2, 9)])]);
    expect(r.syscalls()).toBe(1);
    const alone = recorder();
    const w2 = new TurnWriter(alone.sink, { schedule: alone.schedule });
    w2.preface(tcpPreamble);
    alone.runTurn();
    expect(alone.writes).toEqual([tcpPreamble]);
  });

  it('writes a turn over joinBytesMax frame by frame without copying, still in one corked write', () => {
    const r = recorder();
    const w = new TurnWriter(r.sink, { schedule: r.schedule, joinBytesMax: 100 });
    const big = frameOf(100, 5);
    w.push(big);
    w.push(frameOf(1, 6));
    r.runTurn();
    expect(r.writes).toEqual([Uint8Array.of(0, 0, 0, 100), big, Uint8Array.of(0, 0, 0, 1), frameOf(1, 6)]);
    expect(r.syscalls()).toBe(1);
  });

  it('flushes on demand (before a close) and drops what is queued once the sink is gone', () => {
    const r = recorder();
    const w = new TurnWriter(r.sink, { schedule: r.schedule });
    w.push(frameOf(2, 1));
    w.flush();
    expect(r.writes).toHaveLength(1);
    r.runTurn(); // the scheduled flush finds nothing left
    expect(r.writes).toHaveLength(1);
    w.push(frameOf(2, 2));
    r.sink.destroyed = true;
    r.runTurn();
    expect(r.writes).toHaveLength(1);
  });

  it('builds the joined buffer with the given allocator', () => {
    const r = recorder();
    const sizes: number[] = [];
    const w = new TurnWriter(r.sink, { schedule: r.schedule, alloc: (n) => (sizes.push(n), new Uint8Array(n)) });
    w.push(frameOf(10, 1));
    r.runTurn();
    expect(sizes).toEqual([14]);
  });
});
