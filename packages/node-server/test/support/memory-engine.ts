/**
 * An in-memory stand-in for @ringkv/lsm-engine behind the node's
 * `StorageEngine` port: data survives a close/reopen of the same directory
 * name within the process, the directory lock is emulated, and writes can be
 * made to fail.
 */
import type { StorageEngine, StorageOpener, EngineOp, ScanBounds } from '../../src/index.js';

const disks = new Map<string, Map<string, Uint8Array>>();
const locks = new Set<string>();

class LsmLikeError extends Error {
  override readonly name = 'LsmError';
  constructor(readonly code: string, message: string) {
    super(`lsm-engine: ${message}`);
  }
}

export class MemoryEngine implements StorageEngine {
  failWrites: string | undefined;
  batches = 0;
  private closed = false;
  constructor(private readonly dir: string, private readonly data: Map<string, Uint8Array>) {}
  getSync(key: Uint8Array): Uint8Array | undefined {
    return this.data.get(Buffer.from(key).toString('latin1'));
  }
  async batch(ops: readonly EngineOp[]): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new LsmLikeError('closed', 'engine is closed');
    if (this.failWrites !== undefined) throw new LsmLikeError(this.failWrites, 'injected failure');
    this.batches++;
    for (const op of ops) {
      const id = Buffer.from(op.key).toString('latin1');
      if (op.type === 'del') this.data.delete(id);
      else this.data.set(id, op.value.slice());
    }
  }
  *iterate(bounds: ScanBounds): Iterable<[Uint8Array, Uint8Array]> {
    const ids = [...this.data.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    let n = 0;
    for (const id of ids) {
      const key = Buffer.from(id, 'latin1');
      if (bounds.gte && Buffer.compare(key, bounds.gte) < 0) continue;
      if (bounds.gt && Buffer.compare(key, bounds.gt) <= 0) continue;
      if (bounds.lt && Buffer.compare(key, bounds.lt) >= 0) break;
      if (bounds.limit !== undefined && n++ >= bounds.limit) break;
      yield [new Uint8Array(key), this.data.get(id) as Uint8Array];
    }
  }
  stats(): unknown {
    return { memtableBytes: this.data.size, lastSeq: this.batches, levels: [{ level: 0, tables: 0, bytes: 0 }] };
  }
  async close(): Promise<void> {
    this.closed = true;
    locks.delete(this.dir);
  }
}

export const engines: MemoryEngine[] = [];

export const openMemoryEngine: StorageOpener = async (dir) => {
  if (locks.has(dir)) throw new LsmLikeError('locked', `${dir}/LOCK is held`);
  locks.add(dir);
  let data = disks.get(dir);
  if (data === undefined) disks.set(dir, (data = new Map()));
  const e = new MemoryEngine(dir, data);
  engines.push(e);
  return e;
};
