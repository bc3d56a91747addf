/**
 * Gathers the small peer messages of one event-loop turn bound for one
 * socket (a link's `apply`/`fetch`/`forward` calls, or a peer connection's
 * replies to batched calls) into `peer-batch` frames: one frame, one ws
 * header and one `writev` for what used to be one of each per message
 * (issue 12: a coordinator under load sends hundreds of replica calls per
 * turn to each peer).
 *
 * Invariants:
 *   1. A message is in at most one frame, and frames leave in the order
 *      their messages were added.
 *   2. A frame holds at most `peerBatchMessagesMax` messages and at most
 *      `bytesMax` estimated bytes (or one message): a message that would
 *      pass either bound sends the batch before it is queued.
 *   3. Whatever is added in a turn is written by that turn's `setImmediate`
 *      (or earlier, by 2), unless `take` removed it first.
 *   4. A batch is framing only: when its frame cannot be built, `failed`
 *      gets its messages (each to be failed on its own), nothing is written.
 */
import { peerBatchMessagesMax, type CheckedBatchMessage, type PeerCodec, type ProtocolError } from '@ringkv/protocol';

/** Where a batcher's frames go. */
export interface BatchSink {
  /** Writes one `peer-batch` frame. */
  write(frame: Uint8Array): void;
  /** The messages of a batch whose frame could not be built (invariant 4). */
  failed(messages: readonly CheckedBatchMessage[], error: ProtocolError): void;
}

/** Bytes a message adds to a batch frame: its byte fields, plus room for its map, type, id and timeout. */
export function batchBytesEstimate(message: CheckedBatchMessage): number {
  let bytes = 48;
  if ('key' in message) bytes += typeof message.key === 'string' ? message.key.length * 3 : message.key.byteLength;
  if ('set' in message && message.set !== undefined) bytes += message.set.byteLength;
  if ('request' in message) bytes += message.request.byteLength;
  if ('reply' in message) bytes += message.reply.byteLength;
  if ('message' in message) bytes += message.message.length * 3;
  if ('hintFor' in message && message.hintFor !== undefined) bytes += message.hintFor.length * 3;
  return bytes;
}

/** One socket's batch under construction. */
export class PeerBatcher {
  private queue: CheckedBatchMessage[] = [];
  private bytes = 0;
  private scheduled = false;
  /** Frames written (for tests and counters). */
  framesWritten = 0;

  /** `bytesMax` is capped at a quarter of the codec's frame bound. */
  constructor(
    private readonly codec: PeerCodec,
    private readonly sink: BatchSink,
    private readonly bytesMax: number,
  ) {
    this.bytesMax = Math.min(bytesMax, Math.floor(codec.limits.frameBytesMax / 4));
  }

  /** True when `message` (of `bytes`, from `batchBytesEstimate`) is too large to share a frame: send it alone. */
  tooLarge(bytes: number): boolean {
    return bytes > this.bytesMax;
  }

  /**
   * Queues `message`; first sends the batch when `message` would take it past
   * a bound (invariant 2). Never writes `message` itself synchronously, so a
   * caller may register it after `add` returns.
   */
  add(message: CheckedBatchMessage, bytes: number): void {
    if (this.queue.length > 0 && (this.queue.length >= peerBatchMessagesMax || this.bytes + bytes > this.bytesMax)) this.flush();
    this.queue.push(message);
    this.bytes += bytes;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Sends what is queued, if anything. */
  flush(): void {
    if (this.queue.length === 0) return;
    const messages = this.queue;
    this.queue = [];
    this.bytes = 0;
    let frame: Uint8Array;
    try {
      frame = this.codec.encodeBatch(messages);
    } catch (error) {
      this.sink.failed(messages, error as ProtocolError);
      return;
    }
    this.framesWritten++;
    this.sink.write(frame);
  }

  /** Removes and returns what is queued and not yet written (the socket closed: those were never sent). */
  take(): CheckedBatchMessage[] {
    const messages = this.queue;
    this.queue = [];
    this.bytes = 0;
    return messages;
  }
}
