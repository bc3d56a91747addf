/**
 * The memtable: recent writes in internal order, in a skiplist of user keys
 * with a hash index beside it.
 *
 * A skiplist rather than a balanced tree or a sorted array because an
 * iterator holding a node stays valid while inserts continue (nodes are never
 * moved or removed), which is what lets a snapshot iterator run over the
 * active memtable while writes go on: it filters by sequence number and simply
 * skips the newer entries it walks past.
 *
 * The skiplist holds one node per user key; a key's versions hang off its node
 * in a chain, newest first. A `Map` from the key's string to its node makes a
 * point lookup, and the insert of a key already present, one hash probe
 * instead of a walk down the skiplist: with a 64 MiB memtable of small
 * records the walk (memory-latency bound, ~20 levels of pointer chasing) was
 * a fifth of a node's CPU under a write load (node-server README, "Where the
 * time goes"). Only the first version of a key pays the skiplist insert.
 *
 * Comparisons use a latin1 string copy of each key (`skey`): decoding bytes
 * 0–255 to code units 0–255 keeps JavaScript's string order identical to
 * unsigned bytewise order, and a string compares without the two extra
 * pointer hops (typed array → backing store) a Uint8Array needs; the same
 * string is the hash index's key.
 *
 * Concurrency model: single-threaded; inserts and reads interleave only
 * between calls.
 *
 * Invariants:
 *   1. Level-0 links visit every key node in strictly increasing key order,
 *      and each node's chain visits its versions in strictly decreasing seq
 *      order; so level 0 then chain is internal order (key asc, seq desc),
 *      with (key, seq) pairs unique.
 *   2. Nodes and version entries are only added, never changed or removed
 *      (a chain grows at its head, or in the middle for an out-of-order seq,
 *      by relinking one `older` pointer to a new entry that points on), so a
 *      reference held by an iterator stays valid forever and still walks
 *      every older version.
 *   3. `approximateBytes` grows by at least the key and value bytes of every
 *      insert; it is what the engine compares against `memtableBytes`.
 *   4. `index.get(skey)` is the skiplist node of `skey`, for every key inserted.
 */
import { Buffer } from 'node:buffer';
import {
  KIND_DELETE,
  type EntryKind,
  type InternalEntry,
  type InternalIterator,
} from '../format/internal.js';

const HEIGHT_MAX = 12;
/** Bytes charged per key beyond its key and value (charged twice: bytes and string): node object, link array, index entry. */
const NODE_OVERHEAD_BYTES = 96;
/** Bytes charged per further version of a key beyond its key and value: the entry object. */
const VERSION_OVERHEAD_BYTES = 64;

/** Node's native latin1 decoder, called on a plain Uint8Array (it needs only an ArrayBufferView). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string })
  .latin1Slice;

/** The latin1 string of `key`, whose JavaScript order is the unsigned bytewise order of the bytes. */
export function keyString(key: Uint8Array): string {
  return latin1Slice.call(key, 0, key.length);
}

/** One version of a key: what lookups return and iterators walk. Shared with the memtable: callers copy what they keep. */
export class MemEntry implements InternalEntry {
  constructor(
    readonly key: Uint8Array,
    readonly seq: number,
    readonly kind: EntryKind,
    readonly value: Uint8Array,
    public older: MemEntry | null,
  ) {}
}

/** A skiplist node: one user key and its version chain. */
class KeyNode {
  readonly next: (KeyNode | null)[];
  constructor(
    readonly skey: string,
    public newest: MemEntry | null,
    height: number,
  ) {
    this.next = new Array<KeyNode | null>(height).fill(null);
  }
}

/**
 * A skiplist memtable. The engine owns one active memtable and a queue of
 * frozen ones; once frozen (no more inserts) it is flushed to an L0 table.
 * Gotcha: `insert` keeps references to `key` and `value`; pass copies.
 */
export class Memtable {
  private readonly head = new KeyNode('', null, HEIGHT_MAX);
  private readonly index = new Map<string, KeyNode>();
  private height = 1;
  /** Scratch for `insert` (predecessors per level); reused, as inserts never overlap. */
  private readonly update = new Array<KeyNode>(HEIGHT_MAX);
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
    const node = this.index.get(skey);
    if (node === undefined) {
      this.insertNode(skey, new MemEntry(key, seq, kind, value, null));
      this.bytes += 2 * key.length + value.length + NODE_OVERHEAD_BYTES;
    } else {
      insertVersion(node, key, seq, kind, value);
      this.bytes += key.length + value.length + VERSION_OVERHEAD_BYTES;
    }
    this.count++;
    if (kind === KIND_DELETE) this.deletes++;
    if (seq > this.largestSeq) this.largestSeq = seq;
  }

  /** The newest entry for `key` with seq <= `snapshotSeq` (a tombstone included), or undefined. */
  get(key: Uint8Array, snapshotSeq: number): InternalEntry | undefined {
    return this.getByString(keyString(key), snapshotSeq);
  }

  /** `get` with the key already converted by `keyString`: a lookup over several memtables converts it once. */
  getByString(skey: string, snapshotSeq: number): MemEntry | undefined {
    const node = this.index.get(skey);
    if (node === undefined) return undefined;
    let e = node.newest;
    while (e !== null && e.seq > snapshotSeq) e = e.older;
    return e ?? undefined;
  }

  /** A cursor over every entry in internal order (the caller filters by seq). */
  iterator(): InternalIterator {
    return new MemtableIterator(this);
  }

  /** @internal First key node at or after `skey`. */
  seekNode(skey: string): KeyNode | null {
    let x = this.head;
    let n: KeyNode | null = null;
    for (let level = this.height - 1; level >= 0; level--) {
      n = x.next[level] as KeyNode | null;
      while (n !== null && n.skey < skey) {
        x = n;
        n = x.next[level] as KeyNode | null;
      }
    }
    return n;
  }

  /** @internal */
  firstNode(): KeyNode | null {
    return this.head.next[0] as KeyNode | null;
  }

  /** Links a node for a key not yet present (invariant 4). */
  private insertNode(skey: string, entry: MemEntry): void {
    const update = this.update;
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      let n = x.next[level] as KeyNode | null;
      while (n !== null && n.skey < skey) {
        x = n;
        n = x.next[level] as KeyNode | null;
      }
      update[level] = x;
    }
    const h = this.randomHeight();
    for (let level = this.height; level < h; level++) update[level] = this.head;
    if (h > this.height) this.height = h;
    const node = new KeyNode(skey, entry, h);
    for (let level = 0; level < h; level++) {
      const prev = update[level] as KeyNode;
      node.next[level] = prev.next[level] as KeyNode | null;
      prev.next[level] = node;
    }
    this.index.set(skey, node);
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

/**
 * Adds a version to a key's chain, keeping it seq-descending (invariant 1).
 * The engine inserts in increasing seq, so this is almost always the head;
 * an older seq is linked in place. The key bytes of the first version are
 * shared by all (equal bytes, one fewer reference to keep).
 */
function insertVersion(node: KeyNode, key: Uint8Array, seq: number, kind: EntryKind, value: Uint8Array): void {
  const newest = node.newest as MemEntry;
  const shared = newest.key.length === key.length ? newest.key : key;
  if (seq > newest.seq) {
    node.newest = new MemEntry(shared, seq, kind, value, newest);
    return;
  }
  let at = newest;
  while (at.older !== null && at.older.seq > seq) at = at.older;
  if (at.seq === seq || at.older?.seq === seq) throw new Error(`lsm-engine: bug: seq ${seq} inserted twice for one key`);
  at.older = new MemEntry(shared, seq, kind, value, at.older);
}

class MemtableIterator implements InternalIterator {
  private node: KeyNode | null = null;
  private entry: MemEntry | null = null;
  constructor(private readonly table: Memtable) {}

  seek(target: Uint8Array): void {
    this.at(this.table.seekNode(keyString(target)));
  }
  seekToFirst(): void {
    this.at(this.table.firstNode());
  }
  valid(): boolean {
    return this.entry !== null;
  }
  next(): void {
    const older = (this.entry as MemEntry).older;
    if (older !== null) this.entry = older;
    else this.at((this.node as KeyNode).next[0] as KeyNode | null);
  }
  key(): Uint8Array {
    return (this.entry as MemEntry).key;
  }
  seq(): number {
    return (this.entry as MemEntry).seq;
  }
  kind(): EntryKind {
    return (this.entry as MemEntry).kind;
  }
  value(): Uint8Array {
    return (this.entry as MemEntry).value;
  }
  close(): void {
    this.node = null;
    this.entry = null;
  }

  private at(node: KeyNode | null): void {
    this.node = node;
    this.entry = node === null ? null : node.newest;
  }
}
