/**
 * K-way merge of internal iterators in internal order, with a binary
 * min-heap of the valid children (LevelDB's MergingIterator, heap-based as in
 * Pebble), so `next()` costs O(log k) comparisons.
 *
 * Invariants:
 *   1. The heap holds exactly the valid children; the root is the smallest
 *      current entry in internal order.
 *   2. Ties (the same key and seq in two children, which the engine never
 *      produces) go to the child listed first, so the merge is deterministic.
 *   3. Nothing is dropped or deduplicated: every entry of every child comes
 *      out once.
 */
import { compareBytes, type EntryKind, type InternalIterator } from '../format/internal.js';

/**
 * Merges `children` into one iterator in internal order.
 *
 * When to use: reads over memtables plus tables, and compaction inputs.
 * Details: the merged iterator owns the children: `close()` closes them all.
 * Gotchas: it returns the children's key/value arrays as they are; their
 * validity rules apply.
 */
export function mergingIterator(children: InternalIterator[]): InternalIterator {
  return new MergingIterator(children);
}

class MergingIterator implements InternalIterator {
  private readonly heap: number[] = [];

  constructor(private readonly children: InternalIterator[]) {}

  seek(target: Uint8Array): void {
    for (const c of this.children) c.seek(target);
    this.rebuild();
  }

  seekToFirst(): void {
    for (const c of this.children) c.seekToFirst();
    this.rebuild();
  }

  valid(): boolean {
    return this.heap.length > 0;
  }

  next(): void {
    const top = this.children[this.heap[0] as number] as InternalIterator;
    top.next();
    if (top.valid()) {
      this.siftDown(0);
    } else {
      const last = this.heap.pop() as number;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.siftDown(0);
      }
    }
  }

  key(): Uint8Array {
    return this.top().key();
  }

  seq(): number {
    return this.top().seq();
  }

  kind(): EntryKind {
    return this.top().kind();
  }

  value(): Uint8Array {
    return this.top().value();
  }

  close(): void {
    for (const c of this.children) c.close();
    this.heap.length = 0;
  }

  private top(): InternalIterator {
    return this.children[this.heap[0] as number] as InternalIterator;
  }

  /** True if child a's entry sorts before child b's (invariant 2 breaks ties). */
  private less(a: number, b: number): boolean {
    const ca = this.children[a] as InternalIterator;
    const cb = this.children[b] as InternalIterator;
    const c = compareBytes(ca.key(), cb.key());
    if (c !== 0) return c < 0;
    const sa = ca.seq();
    const sb = cb.seq();
    if (sa !== sb) return sa > sb;
    return a < b;
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (let i = 0; i < this.children.length; i++) {
      if ((this.children[i] as InternalIterator).valid()) this.heap.push(i);
    }
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    let i = start;
    const item = heap[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(heap[r] as number, heap[l] as number) ? r : l;
      if (!this.less(heap[child] as number, item)) break;
      heap[i] = heap[child] as number;
      i = child;
    }
    heap[i] = item;
  }
}
