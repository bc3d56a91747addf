/**
 * The memtable: recent writes in internal order, in a skiplist.
 *
 * A skiplist rather than a balanced tree or a sorted array because an
 * iterator holding a node stays valid while inserts continue (nodes are never
 * moved or removed), which is what lets a snapshot iterator run over the
 * active memtable while writes go on: it filters by sequence number and simply
 * skips the newer entries it walks past.
 *
 * Comparisons use a latin1 string copy of each key (`skey`): decoding bytes
 * 0–255 to code units 0–255 keeps JavaScript's string order identical to
 * unsigned bytewise order, and a string compares without the two extra
 * pointer hops (typed array → backing store) a Uint8Array needs. The search is
 * bound by memory latency, so this makes lookups 2–3× faster.
 *
 * Concurrency model: single-threaded; inserts and reads interleave only
 * between calls.
 *
 * Invariants:
 *   1. Level-0 links visit every node in strictly increasing internal order
 *      (key asc, seq desc); (key, seq) pairs are unique.
 *   2. Nodes are only added, never changed or removed, so a node reference
 *      held by an iterator stays valid forever.
 *   3. `approximateBytes` grows by at least the key and value bytes of every
 *      insert; it is what the engine compares against `memtableBytes`.
 */
import { Buffer } from 'node:buffer';
import {
  KIND_DELETE,
  type EntryKind,
  type InternalEntry,
  type InternalIterator,
} from '../format/internal.js';

const HEIGHT_MAX = 12;
/** Bytes charged per entry beyond its key and value (charged twice: bytes and string): node object, link array, numbers. */
const NODE_OVERHEAD_BYTES = 96;

/** Node's native latin1 decoder, called on a plain Uint8Array (it needs only an ArrayBufferView). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string })
  .latin1Slice;

/** The latin1 string of `key`, whose JavaScript order is the unsigned bytewise order of the bytes. */
export function keyString(key: Uint8Array): string {
  return latin1Slice.call(key, 0, key.length);
}

/** Internal order on (skey, seq): true if the first sorts before the second. */
function before(aKey: string, aSeq: number, bKey: string, bSeq: number): boolean {
  return aKey < bKey || (aKey === bKey && aSeq > bSeq);
}

export class MemNode implements InternalEntry {
  readonly next: (MemNode | null)[];
  constructor(
    readonly skey: string,
    readonly key: Uint8Array,
    readonly seq: number,
    readonly kind: EntryKind,
    readonly value: Uint8Array,
    height: number,
  ) {
    this.next = new Array<MemNode | null>(height).fill(null);
  }
}

/**
 * A skiplist memtable. The engine owns one active memtable and a queue of
 * frozen ones; once frozen (no more inserts) it is flushed to an L0 table.
 * Gotcha: `insert` keeps references to `key` and `value`; pass copies.
 */
export class Memtable {
  private readonly head = new MemNode('', new Uint8Array(0), 0, KIND_DELETE, new Uint8Array(0), HEIGHT_MAX);
  private height = 1;
  /** Scratch for `insert` (predecessors per level); reused, as inserts never overlap. */
  private readonly update = new Array<MemNode>(HEIGHT_MAX);
  private randomState = 0x9e3779b9;
  private bytes = 0;
  private count = 0;
  private deletes = 0;
  /** Largest sequence number inserted so far (0 if empty). */
  largestSeq = 0;

  /** @param logNumber the commit log segment whose records this memtable holds */
  constructor(readonly logNumber: number) {}

  get approximateBytes(): number {
    return this.bytes;
  }

  get entries(): number {
    return this.count;
  }

  get tombstones(): number {
    return this.deletes;
  }

  insert(key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
    const skey = keyString(key);
    const update = this.update;
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      let n = x.next[level] as MemNode | null;
      while (n !== null && before(n.skey, n.seq, skey, seq)) {
        x = n;
        n = x.next[level] as MemNode | null;
      }
      update[level] = x;
    }
    const h = this.randomHeight();
    for (let level = this.height; level < h; level++) update[level] = this.head;
    if (h > this.height) this.height = h;
    const node = new MemNode(skey, key, seq, kind, value, h);
    for (let level = 0; level < h; level++) {
      const prev = update[level] as MemNode;
      node.next[level] = prev.next[level] as MemNode | null;
      prev.next[level] = node;
    }
    this.bytes += 2 * key.length + value.length + NODE_OVERHEAD_BYTES;
    this.count++;
    if (kind === KIND_DELETE) this.deletes++;
    if (seq > this.largestSeq) this.largestSeq = seq;
  }

  /** The newest entry for `key` with seq <= `snapshotSeq` (a tombstone included), or undefined. */
  get(key: Uint8Array, snapshotSeq: number): InternalEntry | undefined {
    return this.getByString(keyString(key), snapshotSeq);
  }

  /** `get` with the key already converted by `keyString`: a lookup over several memtables converts it once. */
  getByString(skey: string, snapshotSeq: number): InternalEntry | undefined {
    const n = this.seekNode(skey, snapshotSeq);
    return n !== null && n.skey === skey ? n : undefined;
  }

  /** A cursor over every entry in internal order (the caller filters by seq). */
  iterator(): InternalIterator {
    return new MemtableIterator(this);
  }

  /** @internal First node at or after (key, seq) in internal order. */
  seekNode(skey: string, seq: number): MemNode | null {
    let x = this.head;
    let n: MemNode | null = null;
    for (let level = this.height - 1; level >= 0; level--) {
      n = x.next[level] as MemNode | null;
      while (n !== null && before(n.skey, n.seq, skey, seq)) {
        x = n;
        n = x.next[level] as MemNode | null;
      }
    }
    return n;
  }

  /** @internal */
  firstNode(): MemNode | null {
    return this.head.next[0] as MemNode | null;
  }

  /** Geometric heights with p = 1/4 from a deterministic xorshift (no Math.random in src/). */
  private randomHeight(): number {
    let s = this.randomState;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.randomState = s >>> 0;
    let h = 1;
    let bits = this.randomState;
    while (h < HEIGHT_MAX && (bits & 3) === 0) {
      h++;
      bits >>>= 2;
    }
    return h;
  }
}

class MemtableIterator implements InternalIterator {
  private node: MemNode | null = null;
  constructor(private readonly table: Memtable) {}

  seek(target: Uint8Array): void {
    this.node = this.table.seekNode(keyString(target), Number.MAX_SAFE_INTEGER);
  }
  seekToFirst(): void {
    this.node = this.table.firstNode();
  }
  valid(): boolean {
    return this.node !== null;
  }
  next(): void {
    this.node = (this.node as MemNode).next[0] as MemNode | null;
  }
  key(): Uint8Array {
    return (this.node as MemNode).key;
  }
  seq(): number {
    return (this.node as MemNode).seq;
  }
  kind(): EntryKind {
    return (this.node as MemNode).kind;
  }
  value(): Uint8Array {
    return (this.node as MemNode).value;
  }
  close(): void {
    this.node = null;
  }
}
