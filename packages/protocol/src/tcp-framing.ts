/**
 * The raw TCP framing of the client protocol (docs/format/wire.md, "Raw
 * TCP"): the same MessagePack frames as the WebSocket transport, each
 * preceded by its length, after a fixed preamble that tells the node's one
 * port a TCP client from an HTTP request. Shared by the node (reader of
 * requests, writer of replies) and the SDK (the other way round), so both
 * split and join frames with the same code.
 *
 * Invariants:
 *   1. A stream starts with `tcpPreamble` in both directions (the client's
 *      first, the node's answer); its first byte is not an HTTP token
 *      character, so the first byte alone tells the two apart.
 *   2. Each frame is a 4-byte big-endian unsigned length, then that many
 *      bytes. A length of 0 or above the reader's `frameBytesMax` fails the
 *      stream before any of its payload is buffered; a failed reader reads
 *      nothing more.
 *   3. The reader hands out every complete frame in order; frames wholly
 *      inside a chunk are views into it (no copy), a frame split across
 *      chunks is copied once it completes, and the partial bytes it holds
 *      meanwhile are copies (`heldBytes`), never views pinning a larger
 *      read buffer.
 *   4. A `TurnWriter` writes the frames queued in one turn of the event loop
 *      (and the preface queued before them) in one uncorked write, in the
 *      order they were queued: joined into one buffer up to its
 *      `joinBytesMax`, else each frame behind its own prefix without a copy,
 *      in one corked write.
 */

import { protocolError, type ProtocolError } from './errors.js';

/**
 * The 8-byte preamble: 0xd2, "rkv", CR LF, 0x1a (PNG's trick: a transfer
 * that rewrites line endings or stops at ^Z breaks it visibly), then the
 * framing version. Shared: send it, never write to it (typed arrays cannot be frozen).
 */
export const tcpPreamble: Uint8Array = Uint8Array.of(0xd2, 0x72, 0x6b, 0x76, 0x0d, 0x0a, 0x1a, 0x01);

/** Bytes of the length prefix of each frame. */
export const tcpLengthPrefixBytes = 4;

/** What a complete preamble says: this framing, another version of it, or not ringkv TCP at all. */
export type PreambleCheck = 'ok' | 'other-version' | 'not-ringkv';

/** Compares an 8-byte preamble with `tcpPreamble`: the magic (first 7 bytes), then the version byte. */
export function checkTcpPreamble(bytes: Uint8Array): PreambleCheck {
  for (let i = 0; i < tcpPreamble.length - 1; i++) if (bytes[i] !== tcpPreamble[i]) return 'not-ringkv';
  return bytes[tcpPreamble.length - 1] === tcpPreamble[tcpPreamble.length - 1] ? 'ok' : 'other-version';
}

/** Bytes `frames` take on the stream with their prefixes. */
export function lengthPrefixedBytes(frames: readonly Uint8Array[]): number {
  let total = 0;
  for (const f of frames) total += tcpLengthPrefixBytes + f.byteLength;
  return total;
}

/**
 * Writes `frames`, each behind its length prefix, into one new buffer (one
 * socket write for a turn's replies). The caller owns the result.
 */
export function joinLengthPrefixed(frames: readonly Uint8Array[]): Uint8Array {
  return joinInto(new Uint8Array(lengthPrefixedBytes(frames)), frames);
}

/** Writes `frames` behind their prefixes into `out`, which has exactly their room; returns it. */
function joinInto(out: Uint8Array, frames: readonly Uint8Array[]): Uint8Array {
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Uint8Array;
    const n = f.byteLength;
    writeUint32(out, at, n);
    at += tcpLengthPrefixBytes;
    // A small frame: a loop beats `set`'s fixed cost.
    if (n > 64) out.set(f, at);
    else for (let j = 0; j < n; j++) out[at + j] = f[j] as number;
    at += n;
  }
  return out;
}

/** What a `TurnWriter` writes to: a Node `net.Socket` (or `tls.TLSSocket`) has all of it. */
export interface TurnSink {
  /** True once the socket is gone: queued frames are dropped. */
  readonly destroyed: boolean;
  /** True once our side was ended: queued frames are dropped. */
  readonly writableEnded: boolean;
  write(bytes: Uint8Array): unknown;
  cork(): void;
  uncork(): void;
}

/** Options of `new TurnWriter`. */
export interface TurnWriterOptions {
  /**
   * Runs `flush` at the end of the current turn (Node: `process.nextTick`);
   * injected because this package does no I/O and touches no timers.
   */
  readonly schedule: (flush: () => void) => void;
  /** Turns of at most this many bytes are copied into one buffer; larger ones are written frame by frame. Default: always join. */
  readonly joinBytesMax?: number;
  /** Makes the joined buffer (Node: `Buffer.allocUnsafe`, pooled and not zero-filled; a socket takes a Buffer without converting it). Default `new Uint8Array(n)`. */
  readonly alloc?: (bytes: number) => Uint8Array;
}

/**
 * Per-turn write coalescing for a length-prefixed stream (invariant 4): one
 * socket write per turn however many frames were sent in it. Shared by the
 * node's TCP transport and the SDK's TCP socket.
 *
 * When to use: one per connection; `push` every frame, `preface` the
 * unprefixed preamble, `flush` before ending the socket (a close must not
 * drop what was queued). Gotchas: frames are kept (not copied) until the
 * flush, so a caller must not write to a frame it pushed.
 */
export class TurnWriter {
  private frames: Uint8Array[] = [];
  private frameBytes = 0;
  private prefaceBytes: Uint8Array | undefined;
  private scheduled = false;
  private readonly joinBytesMax: number;
  private readonly alloc: (bytes: number) => Uint8Array;

  constructor(
    private readonly sink: TurnSink,
    private readonly options: TurnWriterOptions,
  ) {
    this.joinBytesMax = options.joinBytesMax ?? Infinity;
    this.alloc = options.alloc ?? ((bytes) => new Uint8Array(bytes));
  }

  /** Bytes queued and not yet handed to the sink (prefixes included). */
  get pendingBytes(): number {
    return this.frameBytes + (this.prefaceBytes?.byteLength ?? 0);
  }

  /** Queues `bytes` as they are (no length prefix) ahead of this turn's frames: the preamble. */
  preface(bytes: Uint8Array): void {
    this.prefaceBytes = bytes;
    this.schedule();
  }

  /** Queues one frame, written behind its length prefix at the end of the turn. */
  push(frame: Uint8Array): void {
    this.frames.push(frame);
    this.frameBytes += tcpLengthPrefixBytes + frame.byteLength;
    this.schedule();
  }

  /** Makes sure a flush runs at the end of this turn (also for a preface alone). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.options.schedule(this.flush);
  }

  /** Writes what is queued now (invariant 4); a sink that is gone or ended drops it. */
  readonly flush = (): void => {
    this.scheduled = false;
    const sink = this.sink;
    if (sink.destroyed || sink.writableEnded) return;
    const frames = this.frames;
    const bytes = this.frameBytes;
    const preface = this.prefaceBytes;
    if (frames.length > 0) {
      this.frames = [];
      this.frameBytes = 0;
    }
    this.prefaceBytes = undefined;
    const join = frames.length > 0 && bytes <= this.joinBytesMax;
    if (join && preface === undefined) {
      sink.write(this.joined(frames, bytes));
      return;
    }
    if (preface === undefined && frames.length === 0) return;
    sink.cork();
    if (preface !== undefined) sink.write(preface);
    if (join) sink.write(this.joined(frames, bytes));
    else {
      for (const frame of frames) {
        const prefix = this.alloc(tcpLengthPrefixBytes);
        writeUint32(prefix, 0, frame.byteLength);
        sink.write(prefix);
        sink.write(frame);
      }
    }
    sink.uncork();
  };

  private joined(frames: readonly Uint8Array[], bytes: number): Uint8Array {
    return joinInto(this.alloc(bytes), frames);
  }
}

/**
 * Splits a byte stream into length-prefixed frames (invariants 2 and 3).
 *
 * When to use: one per connection, fed every chunk after the preamble.
 * Gotchas: `frameBytesMax` may be changed between chunks (the node lowers
 * it until hello); a frame handed to `onFrame` may be a view into the
 * chunk, so a caller that keeps it past the chunk's life must not write to
 * the chunk.
 */
export class LengthPrefixedReader {
  private readonly prefix = new Uint8Array(tcpLengthPrefixBytes);
  private prefixHave = 0;
  /** Payload bytes of the current frame; -1 while its prefix is read. */
  private need = -1;
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private failed = false;

  constructor(public frameBytesMax: number) {}

  /** Bytes of the incomplete frame held now (prefix and payload). */
  get heldBytes(): number {
    return this.prefixHave + this.partsBytes;
  }

  /**
   * Feeds one chunk; calls `onFrame` for each complete frame in order, and
   * stops early when it returns false (the connection closed meanwhile).
   * Returns the `frame-too-large` or `malformed-frame` error of a refused
   * prefix (invariant 2), else undefined. Never throws.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => boolean): ProtocolError | undefined {
    if (this.failed) return undefined;
    let i = 0;
    const n = chunk.byteLength;
    while (i < n) {
      if (this.need >= 0) {
        const take = Math.min(this.need - this.partsBytes, n - i);
        // A copy: Buffer#slice would be a view pinning the whole read buffer (invariant 3).
        this.parts.push(copyOf(chunk, i, i + take));
        this.partsBytes += take;
        i += take;
        if (this.partsBytes < this.need) return undefined;
        const frame = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : concat(this.parts, this.partsBytes);
        this.parts = [];
        this.partsBytes = 0;
        this.need = -1;
        if (!onFrame(frame)) return undefined;
        continue;
      }
      let length: number;
      if (this.prefixHave === 0 && n - i >= tcpLengthPrefixBytes) {
        length = readUint32(chunk, i);
        i += tcpLengthPrefixBytes;
      } else {
        this.prefix[this.prefixHave++] = chunk[i++] as number;
        if (this.prefixHave < tcpLengthPrefixBytes) continue;
        this.prefixHave = 0;
        length = readUint32(this.prefix, 0);
      }
      const problem = this.refusal(length);
      if (problem !== undefined) {
        this.failed = true;
        this.parts = [];
        this.partsBytes = 0;
        return problem;
      }
      if (n - i >= length) {
        const frame = chunk.subarray(i, i + length);
        i += length;
        if (!onFrame(frame)) return undefined;
        continue;
      }
      this.need = length;
    }
    return undefined;
  }

  private refusal(length: number): ProtocolError | undefined {
    if (length === 0) return protocolError('malformed-frame', 'a length prefix of 0: a frame holds one MessagePack value');
    if (length > this.frameBytesMax) return protocolError('frame-too-large', `a length prefix of ${length} bytes exceeds ${this.frameBytesMax}`);
    return undefined;
  }
}

function writeUint32(bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = n >>> 24;
  bytes[at + 1] = (n >>> 16) & 0xff;
  bytes[at + 2] = (n >>> 8) & 0xff;
  bytes[at + 3] = n & 0xff;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) * 0x1000000 + (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number));
}

function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
