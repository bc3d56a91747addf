/**
 * Data and index blocks: sorted entries with prefix-compressed keys and
 * restart points (LevelDB's block format, extended with a sequence number and
 * kind per entry).
 *
 * Entry:   shared varint | unshared varint | valueLength varint |
 *          key bytes [shared, shared + unshared) | seq varint | kind u8 | value
 * Block:   entry* | restart offset u32 * n | n u32
 *
 * Invariants:
 *   1. Entries are in strictly increasing internal order (key asc, seq desc).
 *   2. Every `restartInterval`-th entry, starting with the first, is a restart
 *      point: it stores its whole key (shared = 0) and its offset is listed in
 *      the restart array, so a seek binary-searches restarts and then scans at
 *      most `restartInterval` entries.
 *   3. A block holds at least one restart (n >= 1) unless it is empty.
 *
 * Concurrency: a decoded `Block` is immutable and shared through the block
 * cache by any number of iterators; the key and value arrays an iterator
 * hands out are copies or views of the block, never overwritten later.
 */
import { ByteWriter } from '../util/byte-writer.js';
import { KeyBuffer } from '../util/key-buffer.js';
import { getU32, getVarint, type VarintCursor } from '../util/varint.js';
import type { EntryKind } from '../format/internal.js';
import { LsmError } from '../errors.js';
import { RESTART_ENTRY_BYTES } from './format.js';

/** Accumulates one block's entries; reused block after block via `reset()`. */
export class BlockBuilder {
  private readonly out = new ByteWriter(8192);
  private readonly restarts: number[] = [0];
  private readonly lastKey = new KeyBuffer();
  private sinceRestart = 0;
  private count = 0;

  constructor(private readonly restartInterval: number) {
    if (!(restartInterval >= 1)) throw new RangeError('restartInterval must be >= 1');
  }

  get entries(): number {
    return this.count;
  }

  /** Size of the block if finished now. */
  estimatedSizeBytes(): number {
    return this.out.length + (this.restarts.length + 1) * RESTART_ENTRY_BYTES;
  }

  /** Appends an entry; the caller guarantees internal order (invariant 1). */
  add(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    let shared = 0;
    if (this.sinceRestart >= this.restartInterval) {
      this.restarts.push(this.out.length);
      this.sinceRestart = 0;
    } else if (this.count > 0) {
      shared = this.lastKey.sharedPrefix(key);
    }
    const out = this.out;
    out.putVarint(shared);
    out.putVarint(key.length - shared);
    out.putVarint(value.length);
    out.putBytes(key, shared);
    out.putVarint(seq);
    out.putU8(kind);
    out.putBytes(value);
    this.lastKey.set(key);
    this.sinceRestart++;
    this.count++;
  }

  /** Appends the restart array and returns the block; the view is valid until `reset()`. */
  finish(): Uint8Array {
    for (const r of this.restarts) this.out.putU32(r);
    this.out.putU32(this.restarts.length);
    return this.out.view();
  }

  reset(): void {
    this.out.reset();
    this.restarts.length = 1;
    this.sinceRestart = 0;
    this.count = 0;
  }
}

/** A decoded, immutable block (invariant 3 checked at construction). */
export class Block {
  readonly restartsOffset: number;
  readonly numRestarts: number;

  /** `where` names the file and offset for corruption messages. */
  constructor(
    readonly data: Uint8Array,
    readonly where: string,
  ) {
    if (data.length < RESTART_ENTRY_BYTES) throw blockCorruption(where, 'block shorter than its restart count');
    this.numRestarts = getU32(data, data.length - RESTART_ENTRY_BYTES);
    const maxRestarts = Math.floor((data.length - RESTART_ENTRY_BYTES) / RESTART_ENTRY_BYTES);
    if (this.numRestarts > maxRestarts) throw blockCorruption(where, `restart count ${this.numRestarts} does not fit`);
    this.restartsOffset = data.length - (this.numRestarts + 1) * RESTART_ENTRY_BYTES;
  }

  /** Bytes the block holds in memory, what the block cache charges for it. */
  get chargeBytes(): number {
    return this.data.length;
  }

  restartPoint(i: number): number {
    return getU32(this.data, this.restartsOffset + i * RESTART_ENTRY_BYTES);
  }

  iterator(): BlockIterator {
    return new BlockIterator(this);
  }
}

function blockCorruption(where: string, what: string): LsmError {
  return new LsmError('corruption', `${what} in ${where}`);
}

/**
 * A cursor over one block. The current key is decoded into a reusable buffer
 * and compared in place, so a seek allocates nothing; `key()` and `value()`
 * materialise arrays only when asked (a copy of the key, a view of the
 * value), and those arrays stay valid after the cursor moves.
 */
export class BlockIterator {
  private block: Block;
  private data: Uint8Array;
  private limit: number;
  private readonly cur: VarintCursor = { pos: 0 };
  private nextOffset = 0;
  /** Offset of the current entry; `limit` when not valid. */
  private offset: number;
  private keyBuf = new Uint8Array(64);
  private keyLen = 0;
  private valueStart = 0;
  private valueLen = 0;
  private keyCopy: Uint8Array | undefined;
  private valueView: Uint8Array | undefined;
  curSeq = 0;
  curKind: EntryKind = 1;

  constructor(block: Block) {
    this.block = block;
    this.data = block.data;
    this.limit = block.restartsOffset;
    this.offset = this.limit;
  }

  /** Points the cursor at another block (unpositioned), so a point lookup can reuse one cursor and its key buffer. */
  reset(block: Block): void {
    this.block = block;
    this.data = block.data;
    this.limit = block.restartsOffset;
    this.offset = this.limit;
    this.keyLen = 0;
    this.keyCopy = undefined;
    this.valueView = undefined;
  }

  valid(): boolean {
    return this.offset < this.limit;
  }

  /** The current key: an owned copy, made once per position. */
  key(): Uint8Array {
    if (this.keyCopy === undefined) this.keyCopy = this.keyBuf.slice(0, this.keyLen);
    return this.keyCopy;
  }

  /** The current value: a view into the (immutable) block; callers must not mutate it. */
  value(): Uint8Array {
    if (this.valueView === undefined) this.valueView = this.data.subarray(this.valueStart, this.valueStart + this.valueLen);
    return this.valueView;
  }

  /** A copy of the current value the caller owns. */
  valueCopy(): Uint8Array {
    return this.data.slice(this.valueStart, this.valueStart + this.valueLen);
  }

  /** compareBytes(current key, target) without materialising the key. */
  compareKey(target: Uint8Array): number {
    const buf = this.keyBuf;
    const len = this.keyLen;
    const n = len < target.length ? len : target.length;
    for (let i = 0; i < n; i++) {
      const d = (buf[i] as number) - (target[i] as number);
      if (d !== 0) return d;
    }
    return len - target.length;
  }

  seekToFirst(): void {
    this.parseRestart(0);
  }

  next(): void {
    this.parseAt(this.nextOffset);
  }

  /** Positions at the first entry >= (key, seq) in internal order. */
  seek(key: Uint8Array, seq: number): void {
    const n = this.block.numRestarts;
    if (n === 0) {
      this.offset = this.limit;
      return;
    }
    // Last restart whose entry is < target; restart 0 when none is.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      this.parseRestart(mid);
      const c = this.compareKey(key);
      if (c < 0 || (c === 0 && this.curSeq > seq)) lo = mid;
      else hi = mid - 1;
    }
    this.parseRestart(lo);
    while (this.offset < this.limit) {
      const c = this.compareKey(key);
      if (c > 0 || (c === 0 && this.curSeq <= seq)) return;
      this.parseAt(this.nextOffset);
    }
  }

  private parseRestart(i: number): void {
    this.keyLen = 0; // a restart entry shares nothing (invariant 2); parseAt rejects one that claims to
    this.parseAt(i < this.block.numRestarts ? this.block.restartPoint(i) : this.limit);
  }

  /** Decodes the entry at `p`, whose predecessor's key is in `keyBuf`, or becomes invalid at the end. */
  private parseAt(p: number): void {
    this.keyCopy = undefined;
    this.valueView = undefined;
    if (p >= this.limit) {
      this.offset = this.limit;
      return;
    }
    const data = this.data;
    const limit = this.limit;
    const cur = this.cur;
    cur.pos = p;
    const shared = getVarint(data, cur, limit);
    const unshared = getVarint(data, cur, limit);
    const valueLength = getVarint(data, cur, limit);
    const keyStart = cur.pos;
    if (shared < 0 || unshared < 0 || valueLength < 0 || shared > this.keyLen || keyStart + unshared > limit) {
      throw blockCorruption(this.block.where, `bad entry header at block offset ${p}`);
    }
    const keyLen = shared + unshared;
    if (keyLen > this.keyBuf.length) {
      const grown = new Uint8Array(Math.max(keyLen, this.keyBuf.length * 2));
      grown.set(this.keyBuf.subarray(0, shared));
      this.keyBuf = grown;
    }
    const buf = this.keyBuf;
    for (let j = 0; j < unshared; j++) buf[shared + j] = data[keyStart + j] as number;
    this.keyLen = keyLen;
    cur.pos = keyStart + unshared;
    const seq = getVarint(data, cur, limit);
    const valueStart = cur.pos + 1;
    const kind = data[cur.pos];
    if (seq < 0 || valueStart + valueLength > limit || (kind !== 0 && kind !== 1)) {
      throw blockCorruption(this.block.where, `bad entry at block offset ${p}`);
    }
    this.curSeq = seq;
    this.curKind = kind as EntryKind;
    this.valueStart = valueStart;
    this.valueLen = valueLength;
    this.offset = p;
    this.nextOffset = valueStart + valueLength;
  }
}

const EMPTY = new Uint8Array(0);
