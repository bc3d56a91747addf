/**
 * The real `Vfs` over `node:fs`, and the one file of the engine (with
 * clock.ts) that touches the operating system.
 *
 * Reads, appends and metadata calls use the synchronous `fs` API: they hit the
 * page cache, and a synchronous call keeps the engine's state machine free of
 * interleavings. `sync` and `syncDir` use the asynchronous `fs.fsync`, which
 * runs on libuv's thread pool, so appends continue while an fsync is in flight
 * (group commit depends on that).
 *
 * Invariants:
 *   1. Every OS error leaves this file as an `LsmError`: ENOENT → `not-found`,
 *      ENOSPC → `no-space`, anything else → `io`, with the original as `cause`.
 *   2. `append` writes all of its bytes or throws, leaving the file as it was
 *      (bytes a failed write left behind are truncated away); a short write
 *      is retried.
 *   3. The directory lock is a listening Unix domain socket in Linux's abstract
 *      namespace, named after the device and inode of the `LOCK` file. The
 *      kernel frees the name when the last descriptor of the socket closes, so
 *      the lock dies with its process (SIGKILL, OOM, a container's PID 1
 *      crashing) and nothing on disk can keep it: the `LOCK` file is only the
 *      anchor that gives the name, its contents (the holder's pid, for people)
 *      decide nothing, and it is never deleted (deleting it would let a later
 *      opener anchor a second lock on a new inode while an older holder runs).
 *      A second bind of the name, from this or any process of the same network
 *      namespace, fails with EADDRINUSE: `locked`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { LsmError, type LsmErrorCode } from '../errors.js';
import { checkTarget, type Vfs, type VfsAppendFile, type VfsLock, type VfsReadFile } from './vfs.js';

/** Maps a Node.js system error to the engine's error codes (invariant 1). */
export function toLsmError(error: unknown, what: string): LsmError {
  if (error instanceof LsmError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const mapped: LsmErrorCode = code === 'ENOENT' ? 'not-found' : code === 'ENOSPC' ? 'no-space' : 'io';
  const detail = error instanceof Error ? error.message : String(error);
  return new LsmError(mapped, `${what}: ${detail}`, { cause: error });
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toLsmError(error, what);
  }
}

function fsyncFd(fd: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fsync(fd, (error) => (error ? reject(toLsmError(error, what)) : resolve()));
  });
}

/**
 * The production `Vfs` (the default of `openEngine`). Paths are passed to
 * `node:fs` unchanged, so they are relative to the process's working directory
 * unless absolute.
 */
export class NodeVfs implements Vfs {
  mkdirp(dir: string): void {
    wrap(`mkdir ${dir}`, () => fs.mkdirSync(dir, { recursive: true }));
  }

  openRead(path: string): VfsReadFile {
    const fd = wrap(`open ${path}`, () => fs.openSync(path, 'r'));
    const size = wrap(`stat ${path}`, () => fs.fstatSync(fd).size);
    return new NodeReadFile(path, fd, size);
  }

  create(path: string): VfsAppendFile {
    const fd = wrap(`create ${path}`, () => fs.openSync(path, 'w'));
    return new NodeAppendFile(path, fd, 0);
  }

  openAppend(path: string): VfsAppendFile {
    const fd = wrap(`open ${path}`, () => fs.openSync(path, 'a'));
    const size = wrap(`stat ${path}`, () => fs.fstatSync(fd).size);
    return new NodeAppendFile(path, fd, size);
  }

  readFile(path: string): Uint8Array {
    const buf = wrap(`read ${path}`, () => fs.readFileSync(path));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  rename(from: string, to: string): void {
    wrap(`rename ${from} to ${to}`, () => fs.renameSync(from, to));
  }

  link(from: string, to: string): void {
    wrap(`link ${from} to ${to}`, () => {
      try {
        fs.linkSync(from, to);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
        fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL); // another device, or a file system without links
      }
    });
  }

  remove(path: string): void {
    try {
      fs.unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw toLsmError(error, `remove ${path}`);
    }
  }

  list(dir: string): string[] {
    return wrap(`list ${dir}`, () => fs.readdirSync(dir));
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  sizeOf(path: string): number {
    return wrap(`stat ${path}`, () => fs.statSync(path).size);
  }

  async syncDir(dir: string): Promise<void> {
    const fd = wrap(`open dir ${dir}`, () => fs.openSync(dir === '' ? '.' : dir, 'r'));
    try {
      await fsyncFd(fd, `fsync dir ${dir}`);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Takes the directory lock anchored at `path` (invariant 3). Rejects with
   * `locked` if a live process (this one included) holds it; a stale `LOCK`
   * file of a dead process, whatever pid it names, is not an obstacle. Gotcha:
   * processes in different network namespaces (two containers without a shared
   * network namespace mounting one volume) do not see each other's lock.
   */
  async lock(path: string): Promise<VfsLock> {
    if (process.platform !== 'linux') {
      throw new LsmError('io', `lock ${path}: the directory lock needs Linux (abstract Unix sockets)`);
    }
    const fd = wrap(`lock ${path}`, () => fs.openSync(path, 'a+'));
    try {
      const { dev, ino } = wrap(`stat ${path}`, () => fs.fstatSync(fd, { bigint: true }));
      const name = `\0ringkv-lsm-lock:${dev}:${ino}`;
      const server = await listenExclusively(name, path);
      wrap(`lock ${path}`, () => {
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, `${process.pid}\n`);
      });
      return new NodeLock(server);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Binds and listens on the abstract socket `name`; EADDRINUSE becomes `locked`. */
function listenExclusively(name: string, path: string): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new LsmError('locked', `${path} is held by a live process`));
      else reject(toLsmError(error, `lock ${path}`));
    });
    server.listen({ path: name, exclusive: true }, () => {
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

class NodeLock implements VfsLock {
  private released = false;
  constructor(private readonly server: net.Server) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    this.server.close(); // closes the socket at once: the name is free when this returns
  }
}

class NodeReadFile implements VfsReadFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly sizeAtOpen: number,
  ) {}

  size(): number {
    return this.sizeAtOpen;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const done = this.readInto(offset, length, out);
    return done < length ? out.subarray(0, done) : out;
  }

  readInto(offset: number, length: number, target: Uint8Array): number {
    checkTarget(this.path, length, target);
    let done = 0;
    while (done < length) {
      const n = wrap(`read ${this.path}`, () => fs.readSync(this.fd, target, done, length - done, offset + done));
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

class NodeAppendFile implements VfsAppendFile {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly fd: number,
    private written: number,
  ) {}

  size(): number {
    return this.written;
  }

  append(data: Uint8Array): void {
    let done = 0;
    try {
      while (done < data.length) {
        // Positional: after a failed append is cut off below, the next one starts where it did.
        done += wrap(`write ${this.path}`, () => fs.writeSync(this.fd, data, done, data.length - done, this.written + done));
      }
    } catch (error) {
      // Invariant 2: a full disk may take part of the bytes; cut them off so the file ends where it did.
      if (done > 0) fs.ftruncateSync(this.fd, this.written);
      throw error;
    }
    this.written += data.length;
  }

  sync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return fsyncFd(this.fd, `fsync ${this.path}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
