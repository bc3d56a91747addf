/**
 * Test-only: a minimal in-memory Vfs that counts open and closed read handles,
 * so table-cache tests can see when a reader's file is closed. Not exported
 * from the package.
 */
import type { Vfs, VfsAppendFile, VfsLock, VfsReadFile } from '../vfs/vfs.js';
import { LsmError } from '../errors.js';

export class StubVfs implements Vfs {
  readonly files = new Map<string, Uint8Array[]>();
  openReads = 0;
  closedReads = 0;

  bytes(path: string): Uint8Array {
    const chunks = this.files.get(path);
    if (chunks === undefined) throw new LsmError('not-found', `no file ${path}`);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.files.set(path, [out]);
    return out;
  }

  setBytes(path: string, data: Uint8Array): void {
    this.files.set(path, [data]);
  }

  mkdirp(): void {}
  openRead(path: string): VfsReadFile {
    const data = this.bytes(path);
    this.openReads++;
    let closed = false;
    return {
      path,
      size: () => data.length,
      read: (offset, length) => {
        if (closed) throw new Error('read after close');
        return data.slice(offset, Math.min(data.length, offset + length));
      },
      close: () => {
        if (closed) throw new Error('closed twice');
        closed = true;
        this.closedReads++;
      },
    };
  }
  create(path: string): VfsAppendFile {
    const chunks: Uint8Array[] = [];
    this.files.set(path, chunks);
    let size = 0;
    return {
      path,
      size: () => size,
      append: (data) => {
        chunks.push(data.slice());
        size += data.length;
      },
      sync: async () => {},
      close: () => {},
    };
  }
  openAppend(path: string): VfsAppendFile {
    return this.create(path);
  }
  readFile(path: string): Uint8Array {
    return this.bytes(path).slice();
  }
  rename(from: string, to: string): void {
    this.files.set(to, this.files.get(from) ?? []);
    this.files.delete(from);
  }
  remove(path: string): void {
    this.files.delete(path);
  }
  list(dir: string): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1));
  }
  exists(path: string): boolean {
    return this.files.has(path);
  }
  sizeOf(path: string): number {
    return this.bytes(path).length;
  }
  async syncDir(): Promise<void> {}
  lock(): VfsLock {
    return { release: () => {} };
  }
}
