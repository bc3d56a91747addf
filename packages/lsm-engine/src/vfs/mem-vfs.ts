/**
 * An in-memory `Vfs`: the engine's tests run on it, and `FaultVfs` builds its
 * crash simulation on its bookkeeping.
 *
 * Model: a directory entry (path) names an inode; an inode holds the file's
 * bytes and how many of them a `sync()` made durable. `syncDir` copies the
 * current entries of a directory into the durable map. Nothing here loses data
 * (that is `FaultVfs.crash`); the bookkeeping exists so that it can.
 *
 * Concurrency model: everything is synchronous except `sync` and `syncDir`,
 * which resolve on a later microtask, so callers see the same interleavings
 * they would on a real disk where fsync is slow.
 *
 * Invariants:
 *   1. `0 <= inode.syncedLength <= inode.length`.
 *   2. A handle reads and appends through its inode, so a renamed or removed
 *      file stays usable through handles opened before (POSIX semantics).
 *   3. Every mutating call passes through `beforeMutation`/`afterMutation`,
 *      the hooks `FaultVfs` uses to count fault points and inject errors.
 */
import { LsmError } from '../errors.js';
import { checkTarget, type Vfs, type VfsAppendFile, type VfsLock, type VfsReadFile } from './vfs.js';

/** One file's bytes; shared by every directory entry and handle that names it. */
export class MemInode {
  data: Uint8Array;
  length: number;
  syncedLength: number;

  constructor(initial?: Uint8Array) {
    this.data = initial ? initial.slice() : new Uint8Array(256);
    this.length = initial ? initial.length : 0;
    this.syncedLength = this.length;
  }

  append(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.data.length) {
      let capacity = Math.max(256, this.data.length * 2);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(bytes, this.length);
    this.length = needed;
  }

  bytes(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/** The kinds of mutation `FaultVfs` counts as crash points. */
export type MutationKind = 'create' | 'append' | 'sync' | 'sync-dir' | 'rename' | 'remove' | 'link';

/** Parent directory of a '/'-separated path ('' for a bare name). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * An in-memory file system. Use it for fast tests of anything that takes a
 * `Vfs`; it never loses data. Gotcha: `lock` is per instance, so two engines
 * on the same `MemVfs` and directory conflict exactly as two processes would.
 */
export class MemVfs implements Vfs {
  protected files = new Map<string, MemInode>();
  protected durable = new Map<string, MemInode>();
  protected dirs = new Set<string>(['']);
  protected locks = new Set<string>();
  /** Incremented by a simulated crash; handles of an older generation refuse to work. */
  protected generation = 0;

  /** Hook: called before a mutation; may throw to inject a fault. */
  protected beforeMutation(_kind: MutationKind, _path: string): void {}
  /** Hook: called after a mutation took effect. */
  protected afterMutation(_kind: MutationKind, _path: string): void {}
  /** Hook: awaited by a file `sync` before it completes (FaultVfs can hold syncs back). */
  protected syncGate(): Promise<void> {
    return Promise.resolve();
  }

  /** Throws if a handle belongs to an older generation (opened before a crash). */
  checkGeneration(generation: number, path: string): void {
    if (generation !== this.generation) throw new LsmError('io', `handle for ${path} did not survive a crash`);
  }

  mkdirp(dir: string): void {
    let d = dir;
    while (d !== '' && !this.dirs.has(d)) {
      this.dirs.add(d);
      d = dirnameOf(d);
    }
  }

  openRead(path: string): VfsReadFile {
    const inode = this.inodeOf(path);
    return new MemReadFile(this, this.generation, path, inode);
  }

  create(path: string): VfsAppendFile {
    this.beforeMutation('create', path);
    const inode = new MemInode();
    inode.syncedLength = 0;
    this.files.set(path, inode);
    this.afterMutation('create', path);
    return new MemAppendFile(this, this.generation, path, inode);
  }

  openAppend(path: string): VfsAppendFile {
    return new MemAppendFile(this, this.generation, path, this.inodeOf(path));
  }

  readFile(path: string): Uint8Array {
    return this.inodeOf(path).bytes().slice();
  }

  rename(from: string, to: string): void {
    const inode = this.inodeOf(from);
    this.beforeMutation('rename', to);
    this.files.delete(from);
    this.files.set(to, inode);
    this.afterMutation('rename', to);
  }

  link(from: string, to: string): void {
    const inode = this.inodeOf(from);
    this.beforeMutation('link', to);
    this.files.set(to, inode); // both names share the bytes, as a hard link does
    this.afterMutation('link', to);
  }

  remove(path: string): void {
    if (!this.files.has(path)) return;
    this.beforeMutation('remove', path);
    this.files.delete(path);
    this.afterMutation('remove', path);
  }

  list(dir: string): string[] {
    const names: string[] = [];
    for (const path of this.files.keys()) {
      if (dirnameOf(path) === dir) names.push(path.slice(dir === '' ? 0 : dir.length + 1));
    }
    return names;
  }

  exists(path: string): boolean {
    return this.files.has(path);
  }

  sizeOf(path: string): number {
    return this.inodeOf(path).length;
  }

  async syncDir(dir: string): Promise<void> {
    const generation = this.generation;
    this.beforeMutation('sync-dir', dir);
    await Promise.resolve();
    this.checkGeneration(generation, dir);
    for (const path of [...this.durable.keys()]) {
      if (dirnameOf(path) === dir && !this.files.has(path)) this.durable.delete(path);
    }
    for (const [path, inode] of this.files) {
      if (dirnameOf(path) === dir) this.durable.set(path, inode);
    }
    this.afterMutation('sync-dir', dir);
  }

  async lock(path: string): Promise<VfsLock> {
    if (this.locks.has(path)) throw new LsmError('locked', `${path} is held by another engine`);
    if (!this.files.has(path)) this.files.set(path, new MemInode());
    this.locks.add(path);
    const generation = this.generation;
    return {
      release: () => {
        if (generation === this.generation) this.locks.delete(path);
      },
    };
  }

  /** @internal Append through a handle; runs the fault hooks. */
  appendTo(path: string, inode: MemInode, data: Uint8Array): void {
    this.beforeMutation('append', path);
    inode.append(data);
    this.afterMutation('append', path);
  }

  /** @internal Sync through a handle: durable up to the length at call time. */
  async syncInode(generation: number, path: string, inode: MemInode): Promise<void> {
    this.checkGeneration(generation, path);
    this.beforeMutation('sync', path);
    const length = inode.length;
    await this.syncGate();
    this.checkGeneration(generation, path);
    inode.syncedLength = Math.max(inode.syncedLength, length);
    this.afterMutation('sync', path);
  }

  protected inodeOf(path: string): MemInode {
    const inode = this.files.get(path);
    if (!inode) throw new LsmError('not-found', `no such file: ${path}`);
    return inode;
  }
}

class MemReadFile implements VfsReadFile {
  constructor(
    private readonly vfs: MemVfs,
    private readonly generation: number,
    readonly path: string,
    private readonly inode: MemInode,
  ) {}

  size(): number {
    return this.inode.length;
  }

  read(offset: number, length: number): Uint8Array {
    this.vfs.checkGeneration(this.generation, this.path);
    const end = Math.min(this.inode.length, offset + length);
    return this.inode.data.slice(Math.min(offset, end), end);
  }

  readInto(offset: number, length: number, target: Uint8Array): number {
    this.vfs.checkGeneration(this.generation, this.path);
    checkTarget(this.path, length, target);
    const end = Math.min(this.inode.length, offset + length);
    const start = Math.min(offset, end);
    target.set(this.inode.data.subarray(start, end), 0);
    return end - start;
  }

  close(): void {}
}

class MemAppendFile implements VfsAppendFile {
  private closed = false;

  constructor(
    private readonly vfs: MemVfs,
    private readonly generation: number,
    readonly path: string,
    private readonly inode: MemInode,
  ) {}

  size(): number {
    return this.inode.length;
  }

  append(data: Uint8Array): void {
    if (this.closed) throw new Error(`lsm-engine: append to closed file ${this.path}`);
    this.vfs.checkGeneration(this.generation, this.path);
    this.vfs.appendTo(this.path, this.inode, data);
  }

  sync(): Promise<void> {
    return this.vfs.syncInode(this.generation, this.path, this.inode);
  }

  close(): void {
    this.closed = true;
  }
}
